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
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from .. import queue
from ..apps import get_model
from ..devices import configs, relations
from ..devices.pending import catch_up_global_context, mark, schedule
from ..settings import app_settings

logger = logging.getLogger(__name__)


mode = queue.mode  # how background work runs (``NETJSONCONFIG_FANOUT``)

__all__ = ["catch_up_global_context", "mark", "mode", "render_batch", "render_pending", "schedule"]


def pending_queryset() -> QuerySet[Any]:
    return (
        get_model("config")
        .objects.filter(render_pending__gt=0)
        .select_related("device", "device__group")
        .order_by("pk")
    )


#: configs read, rendered, then written together (one transaction) within a batch
CHUNK = 100


def render_batch(pks: Iterable[Any]) -> int:
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


def _render_chunk(pks: list[Any]) -> int:
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


def render_pending(limit: int | None = None) -> int:
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


def pending_batches() -> list[list[Any]]:
    size = app_settings.RENDER_BATCH_SIZE
    pks = list(pending_queryset().values_list("pk", flat=True))
    return [pks[i : i + size] for i in range(0, len(pks), size)]


def pending_work() -> list[tuple[()]]:
    """``[()]`` when some config waits for its re-render (the sweeper's finder)."""
    return [()] if pending_queryset().exists() else []


def wait_for_thread(timeout: float | None = None) -> bool:
    """Block until this process's background work is done (tests, management commands)."""
    return queue.wait(timeout)
