"""Celery tasks: they take ids, load rows, call one service."""

from celery import shared_task

from .services import fanout


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
    from .services import bulk

    job = bulk.run_job(job_id)
    return job.status if job is not None else None


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True, soft_time_limit=1200)
def run_background(path, args):
    """Slow work a request must not wait for (``services.background``): a dotted path to
    an idempotent function, and its arguments (ids)."""
    from .services import background

    return background._call(path, args)
