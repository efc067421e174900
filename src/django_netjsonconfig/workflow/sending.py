"""The one way this app sends a public signal: after the current transaction commits.

Every public signal (``signals.py``) reports a change that other apps may act on; they
must never see one that is rolled back. Outside a transaction the signal is sent at
once; inside one, when it commits; a rolled back savepoint drops what it queued.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.dispatch import Signal


def send_on_commit(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` with ``sender`` and ``kwargs`` once the transaction commits."""
    # outside a transaction on_commit() sends at once, but it asks the connection first,
    # which opens one: a poll answered from the cache would open (and close) a database
    # connection for nothing
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(partial(signal.send, sender=sender, **kwargs))
    else:
        signal.send(sender=sender, **kwargs)
