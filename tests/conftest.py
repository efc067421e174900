import contextlib
import glob
import os

import pytest
from django.db import connections
from django.test import Client, override_settings

from django_netjsonconfig.rendering import archivecache
from django_netjsonconfig.settings import app_settings


def pytest_collection_modifyitems(config, items):
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
def _reset_app_settings():
    app_settings.reload()
    archivecache.reset()
    yield
    app_settings.reload()
    archivecache.reset()


@pytest.fixture
def device_client():
    """A client that looks like a device on a private network."""
    return Client(REMOTE_ADDR="192.168.1.10")


@pytest.fixture
def secret(settings):
    return settings.NETJSONCONFIG_SHARED_SECRET
