"""The one entry point: :func:`enqueue` a named task with ids."""

import logging
from functools import partial

from django.db import transaction

from .lanes import Work, submit
from .modes import mode
from .registry import Args, Task, get

logger = logging.getLogger("django_netjsonconfig.queue")


def enqueue(name: str, *ids: object) -> None:
    """Have task ``name`` run with ``ids`` (sent as strings) in the background.

    The way :func:`~.modes.mode` says: sent to Celery after the current transaction
    commits, or run by a thread of this process after the commit (the embedded mode;
    the web processes' sweepers finish it if this process ends first), or inline:
    after the commit, or at once for a task registered ``immediate`` (a ``threaded``
    task runs in a thread after the commit, as in the embedded mode). An unknown name
    raises :class:`~.registry.UnknownTask` here, in the caller.
    """
    task = get(name)
    args: Args = tuple(str(i) for i in ids)
    how = mode()
    if how == "inline" and not task.threaded:
        if task.immediate:
            task.function(*args)
        else:
            transaction.on_commit(partial(task.function, *args))
    elif how == "celery" and task.celery is not None:
        transaction.on_commit(partial(_send, task, args))
    else:
        transaction.on_commit(partial(submit, Work(name, args)))


def _send(task: Task, args: Args) -> None:
    try:
        task.celery.delay(*args)
    except Exception as exc:  # the broker is down
        if not task.fallback:
            logger.warning("could not send %s (%s); it is kept for later", task.name, exc)
            return
        logger.warning("could not send %s (%s); running it in a thread", task.name, exc)
        submit(Work(task.name, args))
