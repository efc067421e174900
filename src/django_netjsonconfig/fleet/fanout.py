"""Changes that reach many configs: recorded at once, re-rendered in batches.

A change to a template, a group or the global variables marks the configs it
concerns with one ``UPDATE`` (``render_pending`` gets a new token), whatever
their number, and voids the poll cache after commit. The re-rendering then
runs in the background, batch by batch; a device that polls before its batch
has run gets its config rendered on the spot (see the checksum endpoint), so
no device is ever answered a stale checksum once the change has committed.

The re-rendering is the queue's task ``render_pending`` (``queue.enqueue``;
``NETJSONCONFIG_FANOUT`` says how it runs: Celery workers, a thread of the process
that made the change, or inline). The marks are the work's record: if the broker is
down or the process that asked ends first (a shell, a command), polls render on
demand, the web processes' sweepers find the marks within a few seconds
(``NETJSONCONFIG_SWEEP_INTERVAL``, embedded mode), and ``manage.py
netjsonconfig_render_pending`` finishes the rest. Nothing is lost.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet

from .. import queue
from ..apps import get_model
from ..devices import configs, relations
from ..polling import cache as pollcache
from ..rendering import context as context_service
from ..settings import app_settings
from ..workflow import unit

logger = logging.getLogger(__name__)


mode = queue.mode  # how background work runs (``NETJSONCONFIG_FANOUT``)


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


def pending_queryset():
    return (
        get_model("config")
        .objects.filter(render_pending__gt=0)
        .select_related("device", "device__group")
        .order_by("pk")
    )


#: configs read, rendered, then written together (one transaction) within a batch
CHUNK = 100


def render_batch(pks):
    """Re-render the still pending configs among ``pks``; returns how many changed.

    By chunks of :data:`CHUNK` configs: one query reads the configs with their device
    and group, two their ordered templates, each before-render hook says once which of
    them it concerns (the VPN clients: one query), then each config is rendered and all
    are written in one short transaction. Each write is conditional on the render token
    the config was read with: a config whose re-render was requested again meanwhile
    (or that a poll rendered on the spot) stays as the newer request left it.
    """
    pks = list(pks)
    changed = 0
    for start in range(0, len(pks), CHUNK):
        changed += _render_chunk(pks[start : start + CHUNK])
    return changed


def _render_chunk(pks):
    found = list(pending_queryset().filter(pk__in=pks).defer("archive"))
    if not found:
        return 0
    templates_of = relations.ordered_templates_of([config.pk for config in found])
    hooks = configs.hooks_for(found, templates_of)
    results = [(c, configs.prepare(c, templates_of[c.pk], hooks)) for c in found]
    changed = 0
    with transaction.atomic():
        for config, result in results:
            action = config.render_action or "config_changed"
            changed += configs.store_result(config, result, action)
    return changed


def render_pending(limit=None):
    """Re-render every pending config (up to ``limit``); returns how many were rendered."""
    done = 0
    size = app_settings.RENDER_BATCH_SIZE
    while limit is None or done < limit:
        pks = list(pending_queryset().values_list("pk", flat=True)[:size])
        if not pks:
            break
        render_batch(pks)
        done += len(pks)
    return done


def pending_batches():
    size = app_settings.RENDER_BATCH_SIZE
    pks = list(pending_queryset().values_list("pk", flat=True))
    return [pks[i : i + size] for i in range(0, len(pks), size)]


def pending_work() -> list[tuple[()]]:
    """``[()]`` when some config waits for its re-render (the sweeper's finder)."""
    return [()] if pending_queryset().exists() else []


def wait_for_thread(timeout: float | None = None) -> bool:
    """Block until this process's background work is done (tests, management commands)."""
    return queue.wait(timeout)
