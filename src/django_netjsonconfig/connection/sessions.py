"""A session with a device through one of its connections, and what it found.

Each attempt records on the connection ``last_attempt``, ``is_working`` and
``failure_reason`` (a change of ``is_working`` sends ``is_working_changed`` after
commit, see :func:`after_save`), the host key seen the first time, and the key
offered when it differs from the recorded one (then ``host_key_mismatch``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import signals
from ..apps import get_model
from ..base import sealed
from ..settings import app_settings
from ..workflow.sending import send_on_commit
from .ssh import HostKeyChanged, Ssh, SshError, Timeouts

logger = logging.getLogger("django_netjsonconfig.connection")


class NoWorkingConnection(Exception):
    """None of the device's enabled connections could be opened."""


def timeouts() -> Timeouts:
    return Timeouts(
        connect=float(app_settings.SSH_CONNECT_TIMEOUT),
        banner=float(app_settings.SSH_BANNER_TIMEOUT),
        auth=float(app_settings.SSH_AUTH_TIMEOUT),
    )


def addresses(device: Any) -> list[str]:
    """Where the device is reached: its management address, then its last address."""
    found: list[str] = []
    for address in (device.management_ip, device.last_ip):
        if address and address not in found:
            found.append(address)
    return found


def _record(connection: Any, **fields: Any) -> None:
    fields["last_attempt"] = timezone.now()
    for name, value in fields.items():
        setattr(connection, name, value)
    try:
        # update_fields: a connection deleted meanwhile is not created again
        connection.save(update_fields=[*fields, "modified"])
    except DatabaseError:
        logger.info("connection %s was deleted during an attempt", connection.pk)


def after_save(connection: Any, created: bool) -> None:
    """``is_working_changed`` after commit when ``is_working`` changed (not on creation)."""
    old_is_working = connection.loaded_value("is_working")
    old_reason = connection.loaded_value("failure_reason")
    changed = connection.changed_fields()
    connection.mark_saved()
    if created or "is_working" not in changed:
        return
    send_on_commit(
        signals.is_working_changed,
        type(connection),
        instance=connection,
        is_working=connection.is_working,
        old_is_working=old_is_working,
        failure_reason=connection.failure_reason,
        old_failure_reason=old_reason or "",
    )


def open_ssh(connection: Any) -> Ssh:
    """A connected session through ``connection`` (recording the attempt); SshError
    (HostKeyChanged when the device's key is not the recorded one) when it fails."""
    device = connection.device
    try:
        params = connection.credentials.plain_params()
    except sealed.SecretUnreadable as exc:
        _record(connection, is_working=False, failure_reason=str(exc))
        raise SshError(str(exc)) from None
    ssh = Ssh(
        params,
        addresses(device),
        known_host_key=connection.host_key,
        timeouts=timeouts(),
    )
    try:
        ssh.connect()
    except HostKeyChanged as exc:
        _record(
            connection,
            is_working=False,
            failure_reason=str(exc),
            offered_host_key=exc.offered,
        )
        send_on_commit(
            signals.host_key_mismatch,
            type(connection),
            instance=connection,
            expected=connection.host_key_fingerprint,
            offered=connection.offered_host_key_fingerprint,
        )
        raise
    except SshError as exc:
        _record(connection, is_working=False, failure_reason=str(exc))
        raise
    except Exception as exc:
        ssh.close()
        _record(connection, is_working=False, failure_reason=_("error: %s") % type(exc).__name__)
        raise SshError(type(exc).__name__) from None
    fields: dict[str, Any] = {"is_working": True, "failure_reason": ""}
    if not connection.host_key:
        fields["host_key"] = ssh.host_key
    _record(connection, **fields)
    return ssh


@contextmanager
def session(connection: Any) -> Iterator[Ssh]:
    """``with session(connection) as ssh``: closed whatever happens."""
    ssh = open_ssh(connection)
    try:
        yield ssh
    finally:
        ssh.close()


def enabled_connections(device: Any) -> list[Any]:
    """The enabled connections of ``device``, those that worked last first."""
    model = get_model("deviceconnection")
    found = list(
        model.objects.filter(device=device, enabled=True).select_related("credentials", "device")
    )
    return sorted(found, key=lambda c: (c.is_working is not True, c.created))


@contextmanager
def working_session(device: Any) -> Iterator[tuple[Any, Ssh]]:
    """A session through the first enabled connection of ``device`` that opens;
    NoWorkingConnection saying why each failed."""
    reasons = []
    for connection in enabled_connections(device):
        try:
            ssh = open_ssh(connection)
        except SshError as exc:
            reasons.append(f"{connection.credentials.name}: {exc}")
            continue
        try:
            yield connection, ssh
        finally:
            ssh.close()
        return
    if not reasons:
        raise NoWorkingConnection(_("the device has no enabled connection"))
    raise NoWorkingConnection(_("no connection could be opened: ") + "; ".join(reasons))
