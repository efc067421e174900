"""The tasks: the one map from task names to the code that runs them and to Celery.

:func:`ready` (called by the app config) registers each name with the queue
(``django_netjsonconfig.queue``): the function the embedded mode runs, the Celery task
that runs the same function on a worker, and how the sweeper finds the work left to do.
Celery tasks take ids (strings), load rows, call one function of the app.

Celery is optional (the ``celery`` extra): without it this module still imports, each
task is its plain function, and the queue runs the work in threads of the web processes
(the embedded mode). Sending one (``.delay``) says what to install.
"""

from collections.abc import Callable
from typing import Any

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

from . import queue
from .apps import get_optional_model
from .connection import commands, credentials, mass, push
from .fleet import bulk, fanout
from .queue import sweeper
from .queue.registry import Args
from .vpn import servers

CELERY_MISSING = (
    "Celery is not installed: pip install 'django-netjsonconfig[celery]' (and run a "
    "worker), or leave NETJSONCONFIG_FANOUT unset to run background work in threads"
)


class _WithoutCelery:
    """A task when Celery is not installed: callable as its function; not sendable."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.run = function
        self.name = f"{function.__module__}.{function.__name__}"
        self.__doc__ = function.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.run(*args, **kwargs)

    def delay(self, *args: Any, **kwargs: Any) -> Any:
        raise ImproperlyConfigured(CELERY_MISSING)

    apply_async = delay


def _without_celery(*args: Any, **options: Any) -> Callable[[Callable[..., Any]], Any]:
    return _WithoutCelery


if queue.celery_installed():
    from celery import shared_task
else:
    shared_task = _without_celery

LATE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(**LATE)
def dispatch_pending_renders() -> int:
    """Split the pending configs into batches, one task each, spread over the workers."""
    batches = fanout.pending_batches()
    for batch in batches:
        render_config_batch.delay([str(pk) for pk in batch])
    return len(batches)


@shared_task(**LATE)
def render_config_batch(pks: list[str]) -> int:
    """Re-render the configs of one batch that are still pending (idempotent)."""
    return fanout.render_batch(pks)


@shared_task(**LATE)
def run_bulk_job(job_id: str) -> str | None:
    """Run (or resume, after a lost worker) an admin bulk action over many devices."""
    job = bulk.run_job(job_id)
    return job.status if job is not None else None


@shared_task(**LATE, soft_time_limit=1200)
def generate_dh(vpn_id: str) -> bool:
    """Real Diffie-Hellman parameters for an OpenVPN server that has the placeholder."""
    return servers.generate_dh(vpn_id)


@shared_task(**LATE)
def push_pending() -> int:
    """Ask the devices whose configuration changed to update (a bounded pool)."""
    return push.push_pending()


# the command's own timeout is enforced by the connector; this limit is the backstop
@shared_task(**LATE, soft_time_limit=300)
def run_command(command_id: str) -> str | None:
    """Run a command on its device (output stored as it arrives)."""
    return commands.run(command_id)


@shared_task(**LATE, soft_time_limit=3600)
def attach_credentials(*credentials_ids: str) -> int:
    """Attach ``auto_add`` credentials (these, or all) to the devices with a config."""
    return credentials.attach(*credentials_ids)


def commands_in_progress() -> list[Args]:
    """Commands never started (their process ended first): the sweeper's."""
    model = get_optional_model("command")
    if model is None:
        return []
    waiting = model.objects.filter(status="in-progress", connection__isnull=True, output="")
    jobs = get_optional_model("bulkjob")
    if jobs is not None:
        # the commands of a job that runs are the job's to run (connection.mass)
        running = jobs.objects.filter(status__in=("pending", "running")).values("pk")
        waiting = waiting.exclude(bulk_job__in=running)
    return [(str(pk),) for pk in waiting.values_list("pk", flat=True)]


def servers_without_dh() -> list[Args]:
    """The servers still waiting for their Diffie-Hellman parameters (the sweeper's)."""
    vpn_model = get_optional_model("vpn")
    if vpn_model is None:
        return []
    waiting = vpn_model.objects.filter(dh=servers.PLACEHOLDER_DH).values_list("pk", flat=True)
    return [(str(pk),) for pk in waiting]


def ready(app: AppConfig | None = None) -> None:
    """Register the tasks with the queue and start the sweeper with the first request."""
    queue.register(
        "render_pending",
        fanout.render_pending,
        celery=dispatch_pending_renders,
        pending=fanout.pending_work,
        immediate=True,
        fallback=False,  # the marks stay: polls render on demand, the next change retries
    )
    queue.register(
        "bulk_job", bulk.run_job, celery=run_bulk_job, pending=bulk.unfinished_jobs, immediate=True
    )
    queue.register(
        "generate_dh", servers.generate_dh, celery=generate_dh, pending=servers_without_dh
    )
    if get_optional_model("deviceconnection") is not None:
        queue.register(
            push.TASK,
            push.push_pending,
            celery=push_pending,
            pending=push.pending_work,
            threaded=True,
        )
        queue.register(
            "run_command",
            commands.run,
            celery=run_command,
            pending=commands_in_progress,
            threaded=True,
        )
        # a job sending a command to many devices: SSH sessions, never in a request
        queue.register(
            mass.TASK, bulk.run_job, celery=run_bulk_job, pending=mass.unfinished, threaded=True
        )
        queue.register(
            credentials.TASK,
            credentials.attach,
            celery=attach_credentials,
            pending=credentials.unattached,
        )
    sweeper.connect()
