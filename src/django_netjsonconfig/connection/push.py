"""A device asked to apply its configuration once it changed: one push at a time.

When a config's rendered output changes, :func:`request` marks the device's enabled
connections (``push_requested``, in the transaction of the change) and the task
``push_pending`` is enqueued after the commit. The task pushes every marked device
through a pool of ``NETJSONCONFIG_PUSH_CONCURRENCY`` threads. A device is *claimed*
first (:func:`claim`: its rows locked, the mark moved to ``push_started``): at most
one push per device is in flight, whatever the number of workers, and the changes made
while one runs give one more push when it ends (:func:`push_device` checks again). A
claim left by a worker that died expires after :func:`lease`. No push runs in a web
request: the task always runs in the background (a thread in the inline mode).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from django.db import connections, transaction
from django.utils import timezone

from ..apps import get_model, get_optional_model
from ..queue.registry import Args
from ..settings import app_settings
from ..workflow import unit
from . import connectors, sessions

logger = logging.getLogger("django_netjsonconfig.connection")

TASK = "push_pending"


def lease() -> timedelta:
    """How long a claim holds without its worker (the longest a push can take, twice)."""
    s = app_settings
    longest = s.SSH_CONNECT_TIMEOUT + s.SSH_BANNER_TIMEOUT + s.SSH_AUTH_TIMEOUT
    return timedelta(seconds=2 * (2 * longest + s.SSH_COMMAND_TIMEOUT) + 10)


def request(device_ids: Iterable[Any]) -> int:
    """Mark the devices' enabled connections for a push (one ``UPDATE``) and enqueue the
    task after commit; how many connections were marked."""
    model = get_optional_model("deviceconnection")
    ids = list(device_ids)
    if model is None or not ids:
        return 0
    marked = model.objects.filter(device_id__in=ids, enabled=True).update(
        push_requested=timezone.now()
    )
    if marked:
        unit.background(TASK)
    return marked


def config_modified(config: Any) -> None:
    """The hook of ``devices.configs``: a config's rendered output changed. Recorded in
    the unit of work: the configs of one transaction (a fan-out batch) give one request."""
    unit.record("push_request", config.device_id, True)


def _requested(records: dict[Any, Any]) -> None:
    request(records)


unit.register_step("push_request", _requested)


def pending_devices() -> list[Any]:
    """The devices with a push asked for and none running (or one whose claim expired)."""
    model = get_optional_model("deviceconnection")
    if model is None:
        return []
    stale = timezone.now() - lease()
    running = model.objects.filter(push_started__gt=stale).values("device_id")
    marked = model.objects.filter(push_requested__isnull=False).exclude(device_id__in=running)
    return list(marked.order_by().values_list("device_id", flat=True).distinct())


def pending_work() -> list[Args]:
    """For the sweeper: the task has work when a device waits for a push."""
    return [()] if pending_devices() else []


def claim(device_id: Any) -> bool:
    """Take the device's push: True when a push was asked for and none is running."""
    model = get_model("deviceconnection")
    now = timezone.now()
    stale = now - lease()
    with transaction.atomic():
        rows = list(
            model.objects.select_for_update()
            .filter(device_id=device_id)
            .order_by("pk")
            .values_list("push_requested", "push_started")
        )
        if not any(requested for requested, _started in rows):
            return False
        if any(started is not None and started > stale for _requested, started in rows):
            return False
        model.objects.filter(device_id=device_id).update(push_started=now, push_requested=None)
    return True


def release(device_id: Any) -> None:
    get_model("deviceconnection").objects.filter(device_id=device_id).update(push_started=None)


def push_device(device_id: Any) -> int:
    """Push to the device while pushes are asked for and it is ours; how many ran."""
    done = 0
    while claim(device_id):
        try:
            _push(device_id)
        finally:
            release(device_id)
        done += 1
    return done


def _push(device_id: Any) -> None:
    device = get_model("device").objects.filter(pk=device_id).first()
    if device is None:
        return
    try:
        with sessions.working_session(device) as (connection, ssh):
            strategy = connection.update_strategy or connectors.infer_strategy(device)
            if not strategy:
                logger.info("device %s: no update strategy", device_id)
                return
            connectors.strategy(strategy)(ssh)
    except sessions.NoWorkingConnection as exc:
        logger.info("device %s not updated: %s", device_id, exc)
    except Exception as exc:  # noqa: BLE001 - one device's failure stops no other push
        logger.warning("device %s not updated: %s", device_id, exc)


def _push_in_thread(device_id: Any) -> int:
    try:
        return push_device(device_id)
    finally:
        connections.close_all()


def push_pending(*args: str) -> int:
    """The task: push every device waiting for it, a bounded number at a time."""
    devices = pending_devices()
    if not devices:
        return 0
    workers = max(1, int(app_settings.PUSH_CONCURRENCY))
    if workers == 1 or len(devices) == 1:
        return sum(push_device(d) for d in devices)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netjsonconfig-push") as pool:
        return sum(pool.map(_push_in_thread, devices))
