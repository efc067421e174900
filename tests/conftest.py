import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from django_netjsonconfig.rendering import archivecache
from django_netjsonconfig.settings import app_settings

#: the kind of a test, from the folder it is in (``-m unit``, ``-m "not integration"``)
KINDS = ("unit", "http", "integration")
HERE = Path(__file__).resolve().parent


def kind_of(path: Path) -> str | None:
    """``unit``, ``http`` or ``integration`` for a file under that folder of tests/."""
    try:
        folder = path.resolve().relative_to(HERE).parts[0]
    except (ValueError, IndexError):
        return None
    return folder if folder in KINDS else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = kind_of(Path(str(item.path)))
        if kind:
            item.add_marker(kind)
    if os.environ.get("REQUIRE_SERVICES") == "1":
        for item in items:
            item.user_properties.append(("require_services", True))


@pytest.fixture(autouse=True)
def _reset_app_settings() -> Iterator[None]:
    """Every test starts and ends with the settings read afresh and no cached archive."""
    app_settings.reload()
    archivecache.reset()
    yield
    app_settings.reload()
    archivecache.reset()


@pytest.fixture
def device_client() -> Client:
    """A client that looks like a device on a private network."""
    return Client(REMOTE_ADDR="192.168.1.10")


@pytest.fixture
def secret(settings: Any) -> str:
    """The shared secret devices register with."""
    return settings.NETJSONCONFIG_SHARED_SECRET
