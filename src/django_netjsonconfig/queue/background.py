"""Work a request must not wait for: the one place that decides how it runs.

``NETJSONCONFIG_FANOUT`` (see :func:`mode`) chooses for every kind of background
work of the app (fan-out re-renders, admin bulk jobs, Diffie-Hellman parameters):

- ``"celery"``: a Celery task, sent after the transaction that asked for it has
  committed (tasks are acknowledged late: one whose worker dies is delivered
  again, so the work must be idempotent);
- ``"thread"``: a daemon thread of the process, started after commit, with its
  own database connections, closed when it ends (the embedded mode, no broker);
- ``"inline"``: in the request (tests, small sites);
- ``None`` (default): ``"celery"`` when a broker is configured, tasks are not
  run eagerly and Celery is installed (the ``celery`` extra), else ``"thread"``.

:func:`submit` runs a function that way; :func:`run` is the same for a function
named by its dotted path (what a Celery task can carry). The fan-out keeps its
own coalescing thread (one per process, woken again by later changes) but starts
it with :func:`start_thread`.
"""

import logging
import threading
from functools import partial
from importlib.util import find_spec

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils.module_loading import import_string

from ..settings import app_settings

logger = logging.getLogger(__name__)


def mode():
    chosen = app_settings.FANOUT
    if chosen:
        return chosen
    if broker_configured() and celery_installed():  # without Celery, threads (checks.py warns)
        return "celery"
    return "thread"


def celery_installed():
    """Whether Celery (the ``celery`` extra) can be imported."""
    try:
        return find_spec("celery") is not None
    except (ImportError, ValueError):
        return False


def broker_configured():
    """A Celery broker other than the in-memory one, tasks not run eagerly."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    return bool(broker) and not broker.startswith("memory://") and not eager


def submit(function, args=(), *, task=None, task_args=None, name, at_once=False, fallback=True):
    """Run ``function(*args)`` in the background, the way :func:`mode` says.

    ``task``: the Celery task doing the same with ``task_args`` (``args`` when
    None). ``at_once``: in the inline mode, call it now rather than after commit
    (the caller wants the result in the same transaction). ``fallback``: when the
    broker refuses the task, run it in a thread rather than never (False when
    what was asked is kept anyway, as the fan-out's marks are).
    """
    how = mode()
    if how == "inline":
        if at_once:
            function(*args)
        else:
            transaction.on_commit(partial(function, *args))
    elif how == "celery" and task is not None:
        send = partial(_send, task, tuple(args if task_args is None else task_args))
        transaction.on_commit(partial(send, function, args, name, fallback))
    else:
        transaction.on_commit(partial(start_thread, function, *args, name=name))


def _send(task, task_args, function, args, name, fallback):
    try:
        task.delay(*task_args)
    except Exception as exc:  # the broker is down
        if not fallback:
            logger.warning("could not send %s (%s); it is kept for later", task.name, exc)
            return
        logger.warning("could not send %s (%s); running it in a thread", task.name, exc)
        start_thread(function, *args, name=name)


_threads = []
_threads_lock = threading.Lock()


def start_thread(function, *args, name):
    """``function(*args)`` in a daemon thread that opens its own database connections
    and closes them when it ends; an exception is logged, never raised."""
    thread = threading.Thread(target=_thread_main, args=(function, args), name=name, daemon=True)
    with _threads_lock:
        _threads[:] = [t for t in _threads if t.is_alive()]
        _threads.append(thread)
    thread.start()
    return thread


def _thread_main(function, args):
    close_old_connections()
    try:
        function(*args)
    except Exception:
        logger.exception("background work %s failed", getattr(function, "__qualname__", function))
    finally:
        connection.close()


def wait(timeout=None):
    """Block until the background threads started so far have ended (tests, commands)."""
    with _threads_lock:
        threads = list(_threads)
    for thread in threads:
        thread.join(timeout)


# --- work named by a dotted path ---------------------------------------------------------
def run(path, *args):
    """Run the function at ``path`` with ``args`` (ids) in the background, after commit."""
    from .. import tasks

    submit(
        _call,
        (path, args),
        task=tasks.run_background,
        task_args=(path, [str(a) for a in args]),
        name="netjsonconfig-background",
    )


def _call(path, args):
    return import_string(path)(*args)
