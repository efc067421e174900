"""The one way this app sends a public signal: after the current transaction commits.

Every public signal (``signals.py``) reports a change that other apps may act on; they
must never see one that is rolled back. Outside a transaction the signal is sent at
once; inside one, when it commits; a rolled back savepoint drops what it queued.

The signals a transaction queued are sent one after another once it has committed: a
**dispatch**. What their receivers hand to :func:`collect` meanwhile is done once, when
the last of them has been sent: a receiver that turns each of 10,000 signals into a
notification gives one flush for the lot, not 10,000 (see ``notifications/``).

:func:`send_once_on_commit` sends a signal once per transaction for one object, however
many times the transaction changed it (through the unit of work).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from . import unit as units


class _Dispatch:
    """The signals one transaction queued, and what their receivers collect."""

    def __init__(self) -> None:
        self.sends: list[weakref.ref[_Send]] = []
        self.collected: dict[str, dict[Hashable, Any]] = {}
        self.started = False
        self.active = 0  # signals of it being sent now (their receivers run)
        self.cursor = 0  # see waiting()

    def waiting(self) -> bool:
        """Whether one of its signals is still to be sent (a signal queued in a rolled
        back savepoint is gone: Django dropped the only reference to it). They are sent
        in the order they were queued: the signals before ``cursor`` are all done or gone,
        so that asking after each of 10,000 signals costs 10,000 steps, not 50 million."""
        sends = self.sends
        while self.cursor < len(sends):
            send = sends[self.cursor]()
            if send is not None and not send.done:
                return True
            self.cursor += 1
        return False

    def stale(self) -> bool:
        """Started, nothing being sent and nothing left to send: an error stopped Django
        from running its last signals."""
        return self.active == 0 and not self.waiting()

    def add(self, kind: str, key: Hashable, value: Any, merge: units.Merge | None) -> None:
        bucket = self.collected.setdefault(kind, {})
        if key in bucket and merge is not None:
            value = merge(bucket[key], value)
        bucket[key] = value

    def finish(self) -> None:
        """Leave the running dispatches and do what was collected (each kind once)."""
        running = _running()
        if self in running:
            running.remove(self)
        collected, self.collected = self.collected, {}
        for kind, records in collected.items():
            units.run(kind, records)


class _Send:
    """One queued sending of a signal: the ``on_commit`` callback (Django holds it)."""

    __slots__ = ("dispatch", "signal", "sender", "kwargs", "done", "__weakref__")

    def __init__(self, dispatch: _Dispatch, signal: Signal, sender: Any, kwargs: Any) -> None:
        self.dispatch = dispatch
        self.signal = signal
        self.sender = sender
        self.kwargs = kwargs
        self.done = False

    def __call__(self) -> None:
        dispatch = self.dispatch
        if not dispatch.started:
            dispatch.started = True
            if _state.__dict__.get("pending") is dispatch:
                _state.pending = None  # signals queued from now on form another dispatch
        running = _running()
        if dispatch not in running:
            running.append(dispatch)
        dispatch.active += 1
        try:
            self.signal.send(sender=self.sender, **self.kwargs)
        finally:
            dispatch.active -= 1
            self.done = True
        if not dispatch.waiting():
            dispatch.finish()


_state = threading.local()


def _running() -> list[_Dispatch]:
    """This thread's dispatches being sent, innermost last (a receiver's own transaction
    may commit, and send its signals, in the middle of another dispatch)."""
    running: list[_Dispatch] | None = _state.__dict__.get("running")
    if running is None:
        running = _state.running = []
    return running


def _pending() -> _Dispatch:
    """The dispatch that collects the signals queued by this thread's transaction."""
    pending: _Dispatch | None = _state.__dict__.get("pending")
    if pending is None or pending.started:
        pending = _state.pending = _Dispatch()
    return pending


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` with ``sender`` and ``kwargs`` once the transaction commits."""
    # outside a transaction on_commit() sends at once, but it asks the connection first,
    # which opens one: a poll answered from the cache would open (and close) a database
    # connection for nothing
    if transaction.get_connection().in_atomic_block:
        dispatch = _pending()
        send = _Send(dispatch, signal, sender, kwargs)
        dispatch.sends.append(weakref.ref(send))
        transaction.on_commit(send)
    else:
        signal.send(sender=sender, **kwargs)


def collect(kind: str, key: Hashable, value: Any, merge: units.Merge | None = None) -> None:
    """Have the after-commit step of ``kind`` (``unit.register_step``) do ``value`` for
    ``key`` once, with whatever else is collected with it:

    - inside a transaction of the app or its caller: when it commits (its unit of work;
      a rolled back savepoint drops it);
    - else, in a receiver of the signals sent after a commit: once the last of them has
      been sent;
    - else at once.

    A second value for ``key`` is combined with the first by ``merge(old, new)`` (without
    ``merge`` it replaces it).
    """
    for stale in [d for d in _running() if d.stale()]:
        stale.finish()  # an error cut it short: do what it collected now
    running = _running()
    if running and units.current().scope is None:
        running[-1].add(kind, key, value, merge)
        return
    units.record(kind, key, value, merge)


def send_once_on_commit(signal: Signal, sender: Any, key: Any, **kwargs: Any) -> None:
    """Send ``signal`` once the transaction commits, once for ``key`` (an object's
    identity) however many times it is asked for in the transaction; the arguments of
    the last call are sent. Outside a transaction it is sent at once."""
    units.record("signal", (signal, key), (sender, kwargs))


def _send_recorded(records: dict[Any, Any]) -> None:
    for (signal, _key), (sender, kwargs) in records.items():
        signal.send(sender=sender, **kwargs)


units.register_step("signal", _send_recorded, after_commit=True)
