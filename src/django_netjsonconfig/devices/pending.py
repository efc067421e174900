"""Configs marked for a re-render: one ``UPDATE`` whatever their number.

A change that reaches many configs (a template, a group, a VPN server, the global
variables) marks them here: ``render_pending`` gets a new token and the poll cache is
voided; the re-rendering is the queue's task ``render_pending``, asked for once per
transaction (``workflow.unit.background``) and done by ``fleet.fanout`` in batches. A
device that polls before its batch has run gets its config rendered on the spot.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.db.models import F, QuerySet

from ..apps import get_model
from ..polling import cache as pollcache
from ..rendering import context as context_service
from ..settings import app_settings
from ..workflow import unit

logger = logging.getLogger("django_netjsonconfig.fleet.fanout")


def mark(queryset: QuerySet[Any], action: str, *, render: bool = True) -> int:
    """Record that the configs of ``queryset`` must be re-rendered; returns how many.

    One ``UPDATE`` whatever their number. With ``render=False`` the caller
    calls :func:`schedule` itself (after deleting what the configs referred to).
    """
    count = queryset.update(render_pending=F("render_pending") + 1, render_action=action)
    if not count:
        return 0
    pollcache.invalidate()
    if render:
        schedule()
    return count


def schedule() -> None:
    """Have the pending configs re-rendered once the transaction commits: one task
    ``render_pending`` however many changes the transaction made (``workflow.unit``)."""
    unit.background("render_pending")


_catch_up_lock = threading.Lock()
_catch_up: dict[str, Any] = {"stamp": None, "next": 0.0, "warned": None}


def catch_up_global_context() -> int:
    """Mark the configs rendered with other global variables or backends than this
    process's by a process with older ones (``NETJSONCONFIG_CONTEXT`` changed, a restart
    with other settings); returns how many.

    At the first call with these settings (one ``UPDATE``), then again every
    ``NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL`` seconds (a query, and the ``UPDATE``
    only if some are found): a process with older settings still running beside this
    one (a rolling restart) may render after this process caught up, and its renders
    are redone once it is gone. Configs rendered by a process with *newer* settings are
    left alone (and logged: this process should be restarted). Called at every poll:
    between two checks it costs a comparison.
    """
    stamp = context_service.settings_stamp()
    now = time.monotonic()
    state = _catch_up
    if state["stamp"] == stamp.text and now < state["next"]:
        return 0
    with _catch_up_lock:
        if state["stamp"] == stamp.text and now < state["next"]:
            return 0  # another thread just did it
        first = state["stamp"] != stamp.text
        interval = app_settings.CONTEXT_RECHECK_INTERVAL
        state["stamp"] = stamp.text
        state["next"] = now + interval if interval else math.inf
    config_model = get_model("config")
    stale = config_model.objects.filter(stamp.stale())
    if first:
        return mark(stale, "config_changed")
    if stale.exists():
        return mark(stale, "config_changed")
    if state["warned"] != stamp.text and config_model.objects.filter(stamp.newer()).exists():
        state["warned"] = stamp.text
        logger.warning(
            "configurations were rendered by a process with newer global variables or "
            "backends (NETJSONCONFIG_CONTEXT, NETJSONCONFIG_BACKENDS) than this one: "
            "restart this process with the current settings"
        )
    return 0
