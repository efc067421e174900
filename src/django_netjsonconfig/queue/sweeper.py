"""The sweeper: the web processes finish work that a process which ended left undone.

In the embedded mode a process that asks for background work runs it in a thread of
its own (:mod:`.lanes`). A shell, a management command or a short script may end
before that thread is done; the work itself is in the database all along (configs
marked for re-rendering, bulk jobs not finished, servers with placeholder parameters).
Each web process therefore runs one light thread, started by the first request it
serves, that asks every task's ``pending()`` finder every ``NETJSONCONFIG_SWEEP_INTERVAL``
seconds and queues what it finds in its lanes, without waiting for a claim: while
another process works on it, the sweep leaves it to that process.

Work found again after it ran (it keeps failing: ``openssl`` missing, say) is retried
after twice as long each time, up to :data:`MAX_DELAY` seconds.
"""

import logging
import os
import threading
import time
from typing import Any

from django.core.signals import request_started
from django.db import close_old_connections, connections

from ..settings import app_settings
from .lanes import Work, busy, submit
from .modes import mode
from .registry import Args, tasks

logger = logging.getLogger("django_netjsonconfig.queue")

#: the longest wait before work found again is queued again, in seconds
MAX_DELAY = 300.0

UID = "netjsonconfig-sweeper"

_state: dict[str, Any] = {"thread": None, "connected": False}
_retry: dict[tuple[str, Args], tuple[float, float]] = {}  # work -> (not before, next delay)
_lock = threading.Lock()


def interval() -> float:
    """Seconds between two sweeps (0: no sweeper)."""
    return float(app_settings.SWEEP_INTERVAL or 0)


def connect() -> None:
    """Start the sweeper with the first request each process serves (the receiver is
    disconnected then: the requests that follow pay nothing)."""
    request_started.connect(_on_request, dispatch_uid=UID)
    _state["connected"] = True


def _on_request(sender: object, **kwargs: object) -> None:
    start()
    request_started.disconnect(dispatch_uid=UID)


def start() -> threading.Thread | None:
    """Start this process's sweeper (once); None when ``NETJSONCONFIG_SWEEP_INTERVAL``
    turns it off. Called by the first request; a server may call it at boot."""
    with _lock:
        thread = _state["thread"]
        if isinstance(thread, threading.Thread) and thread.is_alive():
            return thread
        if not interval():
            return None
        thread = threading.Thread(target=_loop, name="netjsonconfig-sweeper", daemon=True)
        _state["thread"] = thread
        thread.start()
        return thread


def _forget_after_fork() -> None:
    """A forked process (a server's worker) has no thread of its parent: it starts its own
    sweeper with its first request."""
    _state["thread"] = None
    _retry.clear()
    if _state["connected"]:
        request_started.connect(_on_request, dispatch_uid=UID)


os.register_at_fork(after_in_child=_forget_after_fork)


def _loop() -> None:
    while True:
        every = interval()
        if not every:
            with _lock:
                _state["thread"] = None
            return
        if mode() == "thread":  # Celery workers do the work of a site with a broker
            close_old_connections()
            try:
                sweep()
            except Exception:
                logger.exception("the sweep for pending background work failed")
            finally:
                connections.close_all()
        time.sleep(every)


def sweep() -> int:
    """One pass: queue in this process's lanes the work the database says is pending
    and no lane of this process holds; returns how many were queued."""
    now = time.monotonic()
    found: set[tuple[str, Args]] = set()
    queued = 0
    for task in tasks():
        if task.pending is None:
            continue
        for args in task.pending():
            work = (task.name, tuple(str(arg) for arg in args))
            found.add(work)
            if busy(*work):
                continue
            not_before, delay = _retry.get(work, (0.0, interval() or 1.0))
            if now < not_before:
                continue
            if submit(Work(*work, wait=False)):
                queued += 1
            _retry[work] = (now + delay, min(MAX_DELAY, delay * 2))
    for work in [w for w in _retry if w not in found]:
        del _retry[work]
    return queued
