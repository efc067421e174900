"""Slow work that a request must not wait for (Diffie-Hellman parameters, say).

It runs the way the fan-out re-renders run (``NETJSONCONFIG_FANOUT``, see
``services.fanout.mode``): a Celery task, a daemon thread of the web process, or
at once for ``"inline"`` (tests, small sites). In every case it starts after the
transaction that asked for it has committed. The work is a dotted path to a
function taking plain arguments (ids), which must be idempotent.
"""

import logging
import threading
from functools import partial

from django.db import close_old_connections, connection, transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


def run(path, *args):
    from . import fanout

    how = fanout.mode()
    if how == "inline":
        transaction.on_commit(partial(_call, path, args))
    elif how == "celery":
        transaction.on_commit(partial(_enqueue, path, args))
    else:
        transaction.on_commit(partial(_start_thread, path, args))


def _call(path, args):
    return import_string(path)(*args)


def _enqueue(path, args):
    from .. import tasks

    try:
        tasks.run_background.delay(path, [str(a) for a in args])
    except Exception as exc:  # broker down: run it in a thread rather than never
        logger.warning("could not enqueue %s (%s); running it in a thread", path, exc)
        _start_thread(path, args)


_threads = []


def _start_thread(path, args):
    thread = threading.Thread(
        target=_thread_main, args=(path, args), name="netjsonconfig-background", daemon=True
    )
    _threads.append(thread)
    thread.start()


def _thread_main(path, args):
    close_old_connections()
    try:
        _call(path, args)
    except Exception:
        logger.exception("background work %s failed", path)
    finally:
        connection.close()


def wait(timeout=None):
    """Block until the background threads started so far have finished (tests)."""
    while _threads:
        _threads.pop().join(timeout)
