"""Credentials and device connections for the tests of acting on devices."""

from __future__ import annotations

from typing import Any

from django_netjsonconfig.apps import get_model

from .factories import extra_fields
from .helpers import device_with_config

#: short waits, so that a failing device costs a test little time
FAST_SSH = {
    "NETJSONCONFIG_SSH_CONNECT_TIMEOUT": 1,
    "NETJSONCONFIG_SSH_BANNER_TIMEOUT": 3,
    "NETJSONCONFIG_SSH_AUTH_TIMEOUT": 3,
    "NETJSONCONFIG_SSH_COMMAND_TIMEOUT": 3,
}

KEY_TEXT = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "A" * 70 + "\n-----END OPENSSH PRIVATE KEY-----\n"
)


def credentials(name: str = "ssh", **params: Any) -> Any:
    """Saved SSH credentials with ``params`` (validated first)."""
    model = get_model("credentials")
    made = model(**extra_fields(model, name=name, connector="ssh", params=params))
    made.full_clean()
    made.save()
    return made


def connected_device(creds: Any, address: str | None = None, **device_fields: Any) -> Any:
    """A device with a config, reached at ``address`` with ``creds``: its connection."""
    device = device_with_config()
    if address is not None or device_fields:
        model = get_model("device")
        model.objects.filter(pk=device.pk).update(management_ip=address, **device_fields)
        device.refresh_from_db()
    model = get_model("deviceconnection")
    connection = model(device=device, credentials=creds)
    connection.full_clean()
    connection.save()
    return model.objects.select_related("device", "credentials").get(pk=connection.pk)
