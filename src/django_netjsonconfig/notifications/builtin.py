"""The notification types of the app, and the receivers that notify them.

The receivers listen to the public signals (sent after commit) and only call
``notify()``: what they notify is delivered once the signals of the transaction have
all been sent, grouped by type. :func:`connect` runs when the app starts
(``wiring.connect``); it is idempotent.
"""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .. import signals
from .delivery import notify
from .types import register_notification_type, registry

#: name -> spec (see ``types``): the types registered by :func:`connect`
BUILTIN_TYPES: dict[str, dict[str, Any]] = {
    "config_error": {
        "verbose_name": _("Configuration error"),
        "level": "error",
        "message": _("The configuration of {target} has encountered an error: {reason}"),
        "group_message": _("Configuration error on {count:,} devices"),
        "email_subject": _("Configuration error on {target}"),
        "model": "device",
        "list_query": {"config__status__exact": "error"},
        "web": True,
        "email": False,
    },
    "device_registered": {
        "verbose_name": _("New device registered"),
        "level": "success",
        "message": _("A new device, {target}, has registered"),
        "group_message": _("{count:,} new devices have registered"),
        "email_subject": _("New device registered: {target}"),
        "model": "device",
        "web": True,
        "email": False,
    },
    "device_reregistered": {
        "verbose_name": _("Device registered again"),
        "level": "info",
        "message": _("The existing device {target} has registered again"),
        "group_message": _("{count:,} existing devices have registered again"),
        "email_subject": _("Device registered again: {target}"),
        "model": "device",
        "web": True,
        "email": False,
    },
    "connection_is_not_working": {
        "verbose_name": _("Connection not working"),
        "level": "error",
        "message": _("The connection to {target} ({credentials}) is not working: {reason}"),
        "group_message": _("Connections to {count:,} devices are not working"),
        "email_subject": _("Connection to {target} is not working"),
        "model": "device",
        "web": True,
        "email": False,
    },
    "connection_is_working": {
        "verbose_name": _("Connection working again"),
        "level": "info",
        "message": _("The connection to {target} ({credentials}) is working again"),
        "group_message": _("Connections to {count:,} devices are working again"),
        "email_subject": _("Connection to {target} is working again"),
        "model": "device",
        "web": True,
        "email": False,
    },
    "host_key_mismatch": {
        "verbose_name": _("SSH host key mismatch"),
        "level": "error",
        "message": _(
            "{target} offered the SSH host key {offered} instead of the recorded {expected} "
            "({credentials}): the connection was refused"
        ),
        "group_message": _("{count:,} devices offered an SSH host key that does not match"),
        "email_subject": _("SSH host key mismatch on {target}"),
        "model": "device",
        "web": True,
        "email": True,
    },
}


# --- receivers: only notify() ------------------------------------------------------------------
def _notify(name: str, target: Any, **context: Any) -> None:
    """``notify()``, unless the site unregistered the type ``name`` (to silence it)."""
    if name in registry:
        notify(name, target, **context)


def config_status_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A configuration whose status became ``error``: ``config_error`` about its device."""
    if instance.status == "error":
        _notify("config_error", instance.device, reason=instance.error_reason)


def device_registered(sender: Any, instance: Any, is_new: bool, **kwargs: Any) -> None:
    """A new device (``device_registered``) or a known one registering again, as after a
    reset of its firmware (``device_reregistered``)."""
    _notify("device_registered" if is_new else "device_reregistered", instance)


def is_working_changed(
    sender: Any,
    instance: Any,
    is_working: bool | None,
    old_is_working: bool | None,
    failure_reason: str = "",
    **kwargs: Any,
) -> None:
    """A connection that stopped or started working; not the first success of a new
    connection (``old_is_working`` None), which is no news."""
    if is_working == old_is_working or (is_working and old_is_working is None):
        return
    name = "connection_is_working" if is_working else "connection_is_not_working"
    _notify(name, instance.device, credentials=instance.credentials, reason=failure_reason)


def host_key_mismatch(
    sender: Any, instance: Any, expected: str = "", offered: str = "", **kwargs: Any
) -> None:
    _notify(
        "host_key_mismatch",
        instance.device,
        credentials=instance.credentials,
        expected=expected,
        offered=offered,
    )


RECEIVERS = (
    (signals.config_status_changed, config_status_changed),
    (signals.device_registered, device_registered),
    (signals.is_working_changed, is_working_changed),
    (signals.host_key_mismatch, host_key_mismatch),
)


def connect(app: AppConfig | None = None) -> None:
    """Register the built-in types (those not registered yet) and connect the receivers."""
    for name, spec in BUILTIN_TYPES.items():
        if name not in registry:
            register_notification_type(name, spec)
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, dispatch_uid=f"netjsonconfig-notify-{receiver.__name__}")
