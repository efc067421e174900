import contextlib
import glob
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client, override_settings

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


@pytest.fixture(autouse=True, scope="session")
def _queue_of_the_test_process():
    """No sweeper thread in the test process, started by a test client's request: the
    work a test asks for is its own (the tests of the sweeper call it themselves). At the
    end, the queue's lock files next to the test database go with it."""
    with override_settings(NETJSONCONFIG_SWEEP_INTERVAL=0):
        yield
    database = connections["default"].settings_dict
    for name in (database.get("NAME"), (database.get("TEST") or {}).get("NAME")):
        for path in glob.glob(glob.escape(str(name)) + ".queue-*.lock") if name else ():
            with contextlib.suppress(OSError):
                os.remove(path)


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
