"""Deliveries at the same moment (devices registering on several processes at once)
count every event: each waits for the other's lock on the open notification, then adds
to what it wrote. Runs on SQLite and, in the PostgreSQL run, on PostgreSQL."""

import threading

import pytest
from django.db import connection

from django_netjsonconfig.notifications import notify

from ..factories import DeviceFactory
from ..notification_helpers import notifications_of, superuser

THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_deliveries_at_the_same_moment_lose_no_event():
    root = superuser()
    notify("device_registered", DeviceFactory(name="first"))  # the open notification
    devices = [DeviceFactory(name=f"ap-{i}") for i in range(THREADS)]
    barrier = threading.Barrier(THREADS)
    errors = []

    def deliver(device):
        try:
            barrier.wait(timeout=20)
            notify("device_registered", device)  # outside a transaction: delivered now
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    (row,) = notifications_of(root)
    assert row.count == 1 + THREADS
    assert row.message == f"{1 + THREADS} new devices have registered"
