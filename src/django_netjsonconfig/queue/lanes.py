"""The threads of a process that run tasks (the embedded mode): one lane per task name.

A lane is a queue of work (the arguments of its task) and at most one daemon thread
that runs it in order, started when work arrives and ending when the lane is empty.
Work already waiting in the lane is not queued twice; work asked for again while it
runs is queued again (the run may have read the database before the new request was
committed). Each run opens its own database connections, holds the work's claim
(:mod:`.claim`) and closes them when it ends; an exception is logged, never raised.
"""

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from django.db import close_old_connections, connections

from .claim import claim, key_of
from .registry import Args, get

logger = logging.getLogger("django_netjsonconfig.queue")


@dataclass(frozen=True)
class Work:
    """``args`` of task ``name``; ``wait``: wait for another process's claim on the same
    work to end (asked for here) rather than leave it to that process (swept)."""

    name: str
    args: Args
    wait: bool = True


@dataclass
class Lane:
    queue: deque[Work] = field(default_factory=deque)
    running: Args | None = None
    thread: threading.Thread | None = None


_lanes: dict[str, Lane] = {}
_lock = threading.Lock()


def submit(work: Work) -> bool:
    """Queue ``work`` in its lane (starting the lane's thread if it has none); False
    when the same work is already waiting there."""
    get(work.name)  # an unknown name fails here, in the caller
    with _lock:
        lane = _lanes.setdefault(work.name, Lane())
        if any(queued.args == work.args for queued in lane.queue):
            return False
        lane.queue.append(work)
        if lane.thread is None or not lane.thread.is_alive():  # none, or lost in a fork
            lane.running = None
            lane.thread = threading.Thread(
                target=_drain, args=(lane,), name=f"netjsonconfig-{work.name}", daemon=True
            )
            lane.thread.start()
    return True


def busy(name: str, args: Args) -> bool:
    """Whether ``args`` of task ``name`` wait or run in this process's lane."""
    with _lock:
        lane = _lanes.get(name)
        if lane is None or lane.thread is None or not lane.thread.is_alive():
            return False
        return lane.running == args or any(work.args == args for work in lane.queue)


def _drain(lane: Lane) -> None:
    while True:
        with _lock:
            if not lane.queue:
                lane.running, lane.thread = None, None
                return
            work = lane.queue.popleft()
            lane.running = work.args
        run(work)


def run(work: Work) -> bool:
    """Run ``work`` here, now, under its claim, with connections of its own; whether it
    ran (False: another process holds the claim, or it failed, which is logged)."""
    close_old_connections()
    try:
        task = get(work.name)
        with claim(key_of(work.name, work.args), wait=work.wait) as held:
            if held:
                task.function(*work.args)
        return held
    except Exception:
        logger.exception("background task %s%s failed", work.name, list(work.args))
        return False
    finally:
        connections.close_all()


def wait(timeout: float | None = None) -> bool:
    """Block until every lane of this process is empty (tests, commands); whether they
    are (False when ``timeout`` seconds passed first)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        with _lock:
            threads = [lane.thread for lane in _lanes.values() if lane.thread is not None]
        alive = [thread for thread in threads if thread.is_alive()]
        if not alive:
            return True
        for thread in alive:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            thread.join(left)
        if deadline is not None and time.monotonic() >= deadline:
            return not any(thread.is_alive() for thread in alive)
