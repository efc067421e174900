"""Credentials attached to every device (``auto_add``)."""

from __future__ import annotations

from typing import Any

from ..apps import get_model, get_optional_model
from ..base import sealed
from ..workflow import unit
from . import connectors

TASK = "attach_credentials"
CHUNK = 1000


def after_save(credentials: Any, created: bool) -> None:
    """Credentials saved with ``auto_add``: attach them to the devices in the background."""
    if credentials.auto_add:
        unit.background(TASK, credentials.pk)


def _matching(credentials: Any, devices: Any) -> Any:
    org = getattr(credentials, "organization_id", None)
    if org is not None:
        devices = devices.filter(organization_id=org)
    return devices


def attach_to_all(credentials_id: str) -> int:
    """The task: a connection for every device that has a config and none with these
    credentials (chunks of :data:`CHUNK`); how many were created."""
    credentials = get_model("credentials").objects.filter(pk=credentials_id).first()
    if credentials is None or not credentials.auto_add:
        return 0
    connection_model = get_model("deviceconnection")
    devices = _matching(credentials, get_model("device").objects.filter(config__isnull=False))
    devices = devices.exclude(connections__credentials=credentials)
    created = 0
    for chunk in _chunks(devices.select_related("config").only("pk", "config__backend")):
        rows = []
        for device in chunk:
            strategy = connectors.BACKEND_STRATEGIES.get(device.config.backend, "")
            rows.append(
                connection_model(device=device, credentials=credentials, update_strategy=strategy)
            )
        connection_model.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
    return created


def _chunks(queryset: Any) -> Any:
    batch = []
    for item in queryset.iterator(chunk_size=CHUNK):
        batch.append(item)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def config_created(config: Any) -> None:
    """A new config: its device gets the ``auto_add`` credentials, in the background
    after the commit (a registration's transaction makes no query for them)."""
    if get_optional_model("credentials") is not None:
        unit.background(TASK)


def attach(*credentials_ids: str) -> int:
    """The task: attach the given credentials (or every ``auto_add`` one) where missing."""
    model = get_optional_model("credentials")
    if model is None:
        return 0
    ids = credentials_ids or model.objects.filter(auto_add=True).values_list("pk", flat=True)
    return sum(attach_to_all(str(pk)) for pk in ids)


def unattached() -> list[tuple[str, ...]]:
    """For the sweeper: whether an ``auto_add`` credentials misses a device."""
    model = get_optional_model("credentials")
    if model is None:
        return []
    devices = get_model("device").objects.filter(config__isnull=False)
    for credentials in model.objects.filter(auto_add=True):
        if _matching(credentials, devices).exclude(connections__credentials=credentials).exists():
            return [()]
    return []


def reseal_all() -> tuple[int, list[str]]:
    """Encrypt every stored secret again with the first key of
    ``NETJSONCONFIG_CREDENTIALS_KEYS`` (after a new key was put first); the number of
    credentials rewritten, and the names of those no configured key can read."""
    model = get_optional_model("credentials")
    if model is None:
        return 0, []
    done, unreadable = 0, []
    for credentials in model.objects.order_by("pk").iterator(chunk_size=CHUNK):
        params = dict(credentials.params or {})
        try:
            for name in sealed.SECRET_FIELDS:
                if isinstance(params.get(name), str) and params[name]:
                    params[name] = sealed.reseal(params[name])
        except sealed.SecretUnreadable:
            unreadable.append(credentials.name)
            continue
        model.objects.filter(pk=credentials.pk).update(params=params)
        done += 1
    return done, unreadable
