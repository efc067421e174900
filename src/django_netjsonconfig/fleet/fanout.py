"""Changes that reach many configs: recorded at once, re-rendered in batches.

A change to a template, a group or the global variables marks the configs it
concerns with one ``UPDATE`` (``render_pending`` gets a new token), whatever
their number, and voids the poll cache after commit. The re-rendering then
runs in the background, batch by batch; a device that polls before its batch
has run gets its config rendered on the spot (see the checksum endpoint), so
no device is ever answered a stale checksum once the change has committed.

How the batches run (``NETJSONCONFIG_FANOUT``, decided in ``queue.background``
for all background work):

- ``"celery"``: tasks on the Celery workers (acknowledged late: a batch whose
  worker dies is delivered again; rendering is idempotent);
- ``"thread"``: a background thread of the web process, after commit (the
  embedded mode, which has no broker);
- ``"inline"``: at once, in the same transaction (tests, small sites);
- ``None`` (default): ``"celery"`` when a broker is configured, tasks are not
  run eagerly and Celery is installed (the ``celery`` extra), else ``"thread"``.

If the broker is down, or a process dies, the marks stay in the database:
polls render on demand and ``manage.py netjsonconfig_render_pending`` (or the
next fan-out) finishes the rest. Nothing is lost.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from typing import Any

from django.db import close_old_connections, transaction
from django.db.models import F, QuerySet

from ..apps import get_model
from ..devices import configs, relations
from ..polling import cache as pollcache
from ..queue import background
from ..rendering import context as context_service
from ..settings import app_settings
from ..workflow import unit

logger = logging.getLogger(__name__)


mode = background.mode  # how background work runs (``NETJSONCONFIG_FANOUT``)


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
    """Have the pending configs re-rendered once the transaction commits: one background
    run however many changes the transaction made (see ``workflow.unit.background``)."""
    unit.background("render")


def _start_renders(_ids: set[Any]) -> None:
    """Start re-rendering the pending configs, the way ``mode()`` says."""
    if mode() == "thread":
        transaction.on_commit(_wake_thread)
        return
    from .. import tasks

    # broker down: the marks stay, polls render on demand, the next change retries
    background.submit(
        render_pending,
        task=tasks.dispatch_pending_renders,
        name="netjsonconfig-render",
        at_once=True,
        fallback=False,
    )


unit.register_background("render", _start_renders)


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


# --- thread ------------------------------------------------------------------------------------
# One re-rendering thread per process, woken again by changes made while it runs.
_thread_lock = threading.Lock()
_thread = None
_again = threading.Event()


def _wake_thread():
    global _thread
    with _thread_lock:
        _again.set()
        if _thread is None:
            _thread = background.start_thread(_render_loop, name="netjsonconfig-render")


def _render_loop():
    global _thread
    while True:
        with _thread_lock:
            if not _again.is_set():
                _thread = None  # a wake from now on starts a new thread
                return
            _again.clear()
        close_old_connections()
        try:
            render_pending()
        except Exception:
            logger.exception("background re-rendering failed; polls render on demand")


def wait_for_thread(timeout=None):
    """Block until the background thread is idle (tests, management commands)."""
    thread = _thread
    if thread is not None:
        thread.join(timeout)
