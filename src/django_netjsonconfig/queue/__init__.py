"""Background work: one entry point, :func:`enqueue`, for named tasks.

``django_netjsonconfig.tasks`` registers the tasks (:func:`register`) when the app is
ready; ``enqueue("render_pending")``, ``enqueue("bulk_job", job.pk)`` then run them the
way ``NETJSONCONFIG_FANOUT`` says (:mod:`.modes`): on Celery workers, in threads of the
process (:mod:`.lanes`, with the web processes' :mod:`.sweeper` finishing what a process
that ended left), or inline. Only one process at a time works on a piece of work
(:mod:`.claim`).
"""

from .dispatch import enqueue
from .lanes import wait
from .modes import broker_configured, celery_installed, mode
from .registry import Task, UnknownTask, get, register, tasks, unregister

__all__ = [
    "Task",
    "UnknownTask",
    "broker_configured",
    "celery_installed",
    "enqueue",
    "get",
    "mode",
    "register",
    "tasks",
    "unregister",
    "wait",
]
