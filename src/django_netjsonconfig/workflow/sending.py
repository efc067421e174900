"""The one way this app sends a public signal: after the current transaction commits.

Every public signal (``signals.py``) reports a change that other apps may act on; they
must never see one that is rolled back. Outside a transaction the signal is sent at
once; inside one, when it commits; a rolled back savepoint drops what it queued.
:func:`send_once_on_commit` sends a signal once per transaction for one object, however
many times the transaction changed it (through the unit of work).
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from . import unit


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` with ``sender`` and ``kwargs`` once the transaction commits."""
    # outside a transaction on_commit() sends at once, but it asks the connection first,
    # which opens one: a poll answered from the cache would open (and close) a database
    # connection for nothing
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(signal.send, sender=sender, **kwargs))
    else:
        signal.send(sender=sender, **kwargs)


def send_once_on_commit(signal: Signal, sender: Any, key: Any, **kwargs: Any) -> None:
    """Send ``signal`` once the transaction commits, once for ``key`` (an object's
    identity) however many times it is asked for in the transaction; the arguments of
    the last call are sent. Outside a transaction it is sent at once."""
    unit.record("signal", (signal, key), (sender, kwargs))


def _send_recorded(records: dict[Any, Any]) -> None:
    for (signal, _key), (sender, kwargs) in records.items():
        signal.send(sender=sender, **kwargs)


unit.register_step("signal", _send_recorded, after_commit=True)
