"""Bulk jobs as background work: started through the queue, run batch by batch, resumed.

A job is a row (``BulkJob``): the action, its parameters, the device ids, and ``done``,
how many were processed. :func:`start` enqueues the queue's task ``bulk_job``; the
sweeper of the web processes finds a job that is not finished (its process ended, a
shell that started it exited) and resumes it where it stopped, one process at a time.
What an action does to a batch is ``fleet.bulk``'s; this module only runs it.
"""

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import queue
from ..apps import get_models_app
from ..settings import app_settings

logger = logging.getLogger("django_netjsonconfig.fleet.bulk")

#: what a job calls: validate(action, params), apply(action, ids, resolved, user=),
#: describe(action, resolved, counts)
Validate = Callable[[str, Mapping[str, Any]], dict[str, Any]]
Apply = Callable[..., dict[str, int]]
Describe = Callable[[str, Mapping[str, Any], Mapping[str, int]], str]

UNFINISHED = ("pending", "running")


def job_model() -> Any:
    """The concrete ``BulkJob`` model, or None (then every action runs in the request)."""
    return getattr(get_models_app(), "bulkjob_model", None)


def start(job: Any) -> None:
    """Have ``job`` run in the background (the queue's task ``bulk_job``); in the inline
    mode it runs at once, within the caller's transaction."""
    queue.enqueue("bulk_job", job.pk)
    if queue.mode() == "inline":
        job.refresh_from_db()


def run(
    job_id: object,
    *,
    validate: Validate,
    apply: Apply,
    describe: Describe,
    after: Apply | None = None,
) -> Any:
    """Run (or resume) a job, batch by batch; returns it. Idempotent once finished.

    ``after(action, ids, resolved, job)``, when given, runs once each batch is committed;
    the batch counts as done only after it (a job resumed after a crash runs the batch
    again: both must be safe to repeat)."""
    model = job_model()
    job = model.objects.filter(pk=job_id).select_related("user").first()
    if job is None or job.status not in UNFINISHED:
        return job
    model.objects.filter(pk=job.pk).update(status="running", modified=timezone.now())
    size = max(1, int(app_settings.BULK_SYNC_LIMIT))
    counts: dict[str, int] = dict(job.result or {})
    resolved: dict[str, Any] = {}
    try:
        for start_at in range(job.done, len(job.device_ids), size):
            batch = job.device_ids[start_at : start_at + size]
            # checked again at each batch: a template may have become required meanwhile
            resolved = validate(job.action, job.params)
            with transaction.atomic():
                for key, value in apply(
                    job.action, batch, resolved, user=job.user, job=job
                ).items():
                    counts[key] = counts.get(key, 0) + value
                model.objects.filter(pk=job.pk).update(
                    done=start_at + (len(batch) if after is None else 0),
                    result=counts,
                    modified=timezone.now(),
                )
            if after is not None:
                for key, value in after(job.action, batch, resolved, job).items():
                    counts[key] = counts.get(key, 0) + value
                model.objects.filter(pk=job.pk).update(
                    done=start_at + len(batch), result=counts, modified=timezone.now()
                )
        message = describe(job.action, resolved or validate(job.action, job.params), counts)
        status = "done"
    except ValidationError as exc:
        message, status = " ".join(exc.messages), "failed"
    except Exception as exc:
        logger.exception("bulk job %s failed", job.pk)
        message, status = _("The job failed: %(error)s") % {"error": exc}, "failed"
    now = timezone.now()
    model.objects.filter(pk=job.pk).update(
        status=status, message=message, result=counts, finished=now, modified=now
    )
    job.refresh_from_db()
    return job


def unfinished(
    actions: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> list[tuple[str]]:
    """The ids of the jobs not finished, oldest first (the sweeper's finder): of
    ``actions`` when given, but for those of ``exclude`` (run by a task of their own)."""
    model = job_model()
    if model is None:
        return []
    pks = model.objects.filter(status__in=UNFINISHED).order_by("created")
    if actions is not None:
        pks = pks.filter(action__in=list(actions))
    pks = pks.exclude(action__in=list(exclude))
    return [(str(pk),) for pk in pks.values_list("pk", flat=True)]


def wait(timeout: float | None = None) -> bool:
    """Block until this process's background work is done (tests)."""
    return queue.wait(timeout)
