"""Credentials and device connections for the tests of acting on devices."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from django_netjsonconfig.apps import get_model

from .factories import extra_fields
from .helpers import device_with_config
from .services import require_ssh_servers
from .ssh_servers import Servers

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


# fixtures of the modules that use the SSH servers (import them by name)


@pytest.fixture(autouse=True)
def fast_ssh() -> Iterator[None]:
    """Short SSH timeouts (:data:`FAST_SSH`) for every test of the module."""
    with override_settings(**FAST_SSH):
        yield


@pytest.fixture(scope="module")
def rig() -> Iterator[Servers]:
    """The SSH servers of the module, closed after its last test."""
    require_ssh_servers()
    servers = Servers()
    try:
        yield servers
    finally:
        servers.close()
