"""Automatic registration of devices (the agent's ``register`` call)."""

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from .. import signals
from ..apps import get_model
from ..base.template import parse_tags
from ..settings import app_settings
from ..validators import normalize_mac
from ..workflow import unit
from ..workflow.sending import send_on_commit
from . import configs
from .devices import get_config, management_address

UPDATABLE_FIELDS = ("os", "model", "system")


class RegistrationError(Exception):
    """Registration refused; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Registered:
    device: Any  # the site's device model
    is_new: bool


def check_secret(secret: Any) -> None:
    expected = app_settings.SHARED_SECRET or ""
    if not expected or not hmac.compare_digest(str(secret).encode(), expected.encode()):
        raise RegistrationError("error: unrecognized secret", 403)


def _same_mac(name: str, mac: str) -> bool:
    return re.sub(r"[^0-9A-Fa-f]", "", name).upper() == re.sub(r"[^0-9A-Fa-f]", "", mac).upper()


def _messages(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        parts: list[str] = []
        for field, messages in error.message_dict.items():
            label = "" if field == "__all__" else f"{field}: "
            parts.extend(f"{label}{m}" for m in messages)
        return " ".join(parts)
    return " ".join(error.messages)


def register(
    params: Mapping[str, Any],
    remote_addr: str | None = None,
    device_model: Any = None,
    new_device_fields: dict[str, Any] | None = None,
) -> Registered:
    """Register (or re-register) a device from the agent's parameters.

    ``params`` holds ``name``, ``mac_address``, ``backend`` and optionally
    ``key``, ``hardware_id``, ``os``, ``model``, ``system`` and ``tags``; the
    secret has been checked by the caller. Two agents registering the same
    device at the same moment produce one device: the loser of the race finds
    the winner's row and updates it.

    A new device is prepared (validated, its config rendered) before the write
    transaction, which then only inserts the device, its config and its templates:
    on SQLite, where one writer at a time holds the lock, registrations overlap.
    If another agent created the same device meanwhile, a unique constraint stops
    the insert and the registration starts again, finding that device.
    """
    if not app_settings.REGISTRATION_ENABLED:
        raise RegistrationError("error: registration disabled", 403)
    if params["backend"] not in dict(app_settings.BACKENDS):
        raise RegistrationError("error: wrong backend", 403)
    try:
        mac = normalize_mac(params["mac_address"])
    except ValueError:
        raise RegistrationError("error: invalid mac_address", 400) from None
    device_model = device_model or get_model("device")
    for attempt in range(3):
        try:
            new = _prepare_new(device_model, params, mac, remote_addr, new_device_fields)
            with transaction.atomic():
                if new is not None:
                    result = _create(*new)
                else:
                    result = _register(device_model, params, mac, remote_addr, new_device_fields)
            break
        except IntegrityError:
            if attempt == 2:
                raise RegistrationError("error: concurrent registration, retry", 409) from None
    send_on_commit(
        signals.device_registered, device_model, instance=result.device, is_new=result.is_new
    )
    return result


def _find(device_model: Any, params: Mapping[str, Any], mac: str) -> Any:
    key = params.get("key") or ""
    if app_settings.CONSISTENT_REGISTRATION:
        if key:
            device = device_model.objects.filter(key=key).first()
            if device is not None:
                return device
        # adopt by MAC address: a device pre-created in the admin, or reflashed
        # after the shared secret changed (its key is derived from MAC and secret)
        return device_model.objects.filter(mac_address=mac).first()
    return None


def _valid_name(device: Any) -> bool:
    """Whether the name passes its field's checks (which ``full_clean`` reports):
    only a valid name is looked for among the other devices."""
    try:
        device._meta.get_field("name").clean(device.name, device)
    except ValidationError:
        return False
    return True


def _name_taken(device: Any) -> bool:
    # as the unique constraint compares names: lower(name), which its index serves
    others = (
        type(device)
        .objects.alias(lower_name=Lower("name"))
        .filter(lower_name=Lower(Value(device.name)))
    )
    if device.pk and not device._state.adding:
        others = others.exclude(pk=device.pk)
    return others.exists()


def _tagged(params: Mapping[str, Any]) -> list[Any]:
    """The templates of the posted backend carrying one of the posted tags."""
    tags = parse_tags(params.get("tags") or "")
    if not tags:
        return []
    candidates = get_model("template").objects.filter(backend=params["backend"])
    return [t for t in candidates if set(t.tags or []) & set(tags)]


def _new_device(
    device_model: Any,
    params: Mapping[str, Any],
    mac: str,
    new_device_fields: dict[str, Any] | None,
) -> Any:
    device = device_model(name=params["name"], mac_address=mac, **(new_device_fields or {}))
    if app_settings.CONSISTENT_REGISTRATION and params.get("key"):
        device.key = params["key"]
    return device


def _update_fields(
    device: Any, params: Mapping[str, Any], mac: str, remote_addr: str | None
) -> None:
    """Set what the agent posted on ``device`` (new or not), and validate it."""
    for field in UPDATABLE_FIELDS:
        value = (params.get(field) or "").strip()
        if value:
            setattr(device, field, value)
    if params.get("hardware_id"):
        device.hardware_id = params["hardware_id"].strip()
    if remote_addr:
        device.last_ip = remote_addr
    if (params.get("management_ip") or "").strip():
        try:
            device.management_ip = management_address(params["management_ip"])
        except ValueError:
            raise RegistrationError("error: invalid management_ip", 400) from None
    if device.name != device.loaded_value("name") and _valid_name(device) and _name_taken(device):
        # another device has this hostname: a new device is named after its MAC,
        # an existing one keeps its name
        device.name = device.loaded_value("name") or mac
    try:
        device.full_clean(validate_unique=True)
    except ValidationError as error:
        raise RegistrationError(_messages(error), 400) from None


def _prepare_new(
    device_model: Any,
    params: Mapping[str, Any],
    mac: str,
    remote_addr: str | None,
    new_device_fields: dict[str, Any] | None,
) -> tuple[Any, configs.NewConfig] | None:
    """Outside the write transaction: ``(device, new config)`` for a device not known
    yet, validated and rendered, or None: a known device, one that does not validate,
    or a config that can only be rendered once saved; the transaction then does
    everything, as it would for an existing device."""
    if not app_settings.REGISTRATION_SELF_CREATION:
        return None
    if _find(device_model, params, mac) is not None:
        return None
    device = _new_device(device_model, params, mac, new_device_fields)
    try:
        _update_fields(device, params, mac, remote_addr)
    except RegistrationError:
        # invalid, or the same device created since _find() (its MAC or key now taken):
        # the transaction looks again and gives the answer
        return None
    if not device.key:
        device.key = device.generate_key()  # the config's variables include it
    new = configs.prepare_new(device, params["backend"], _tagged(params))
    if new.result is None:
        return None
    return device, new


def _create(device: Any, new_config: configs.NewConfig) -> Registered:
    device.save(force_insert=True)
    configs.save_new(new_config)
    return Registered(device, True)


def _register(
    device_model: Any,
    params: Mapping[str, Any],
    mac: str,
    remote_addr: str | None,
    new_device_fields: dict[str, Any] | None = None,
) -> Registered:
    device = _find(device_model, params, mac)
    is_new = device is None
    if is_new and not app_settings.REGISTRATION_SELF_CREATION:
        raise RegistrationError("Device not found in the system, please create it first.", 404)
    if is_new:
        device = _new_device(device_model, params, mac, new_device_fields)
    else:
        posted_name = params["name"]
        if posted_name != device.name and not _same_mac(posted_name, device.mac_address):
            device.name = posted_name
        if (
            app_settings.CONSISTENT_REGISTRATION
            and params.get("key")
            and params["key"] != device.key
            and not device_model.objects.filter(key=params["key"]).exists()
        ):
            device.key = params["key"]
    _update_fields(device, params, mac, remote_addr)
    device.save()  # the model receiver sends the signals of a rename
    config = None if is_new else get_config(device)
    tagged = _tagged(params)
    if config is None:
        configs.create_for_device(device, params["backend"], tagged)
    elif tagged:
        configs.add_templates(config, tagged)
    unit.settle()  # a changed name, key or hardware id: the config rendered before the answer
    return Registered(device, is_new)
