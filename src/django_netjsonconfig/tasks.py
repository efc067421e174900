"""Celery tasks: they take ids, load rows, call one service.

Celery is optional (the ``celery`` extra): without it this module still imports, each
task is its plain function, and ``queue.background`` runs the work in threads of the
web process (the embedded mode). Sending one (``.delay``) says what to install.
"""

from django.core.exceptions import ImproperlyConfigured

from .fleet import fanout
from .queue.background import celery_installed

CELERY_MISSING = (
    "Celery is not installed: pip install 'django-netjsonconfig[celery]' (and run a "
    "worker), or leave NETJSONCONFIG_FANOUT unset to run background work in threads"
)


class _WithoutCelery:
    """A task when Celery is not installed: callable as its function; not sendable."""

    def __init__(self, function):
        self.run = function
        self.name = f"{function.__module__}.{function.__name__}"
        self.__doc__ = function.__doc__

    def __call__(self, *args, **kwargs):
        return self.run(*args, **kwargs)

    def delay(self, *args, **kwargs):
        raise ImproperlyConfigured(CELERY_MISSING)

    apply_async = delay


if celery_installed():
    from celery import shared_task
else:

    def shared_task(*args, **options):
        return _WithoutCelery


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def dispatch_pending_renders():
    """Split the pending configs into batches, one task each, spread over the workers."""
    batches = fanout.pending_batches()
    for batch in batches:
        render_config_batch.delay([str(pk) for pk in batch])
    return len(batches)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def render_config_batch(pks):
    """Re-render the configs of one batch that are still pending (idempotent)."""
    return fanout.render_batch(pks)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_bulk_job(job_id):
    """Run (or resume, after a lost worker) an admin bulk action over many devices."""
    from .fleet import bulk

    job = bulk.run_job(job_id)
    return job.status if job is not None else None


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, soft_time_limit=1200)
def run_background(path, args):
    """Slow work a request must not wait for (``queue.background``): a dotted path to
    an idempotent function, and its arguments (ids)."""
    from .queue import background

    return background._call(path, args)
