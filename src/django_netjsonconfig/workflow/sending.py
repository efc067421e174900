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
    transaction.on_commit(partial(signal.send, sender=sender, **kwargs))
