"""The signals a transaction queued are sent together after its commit, and what their
receivers collect (``sending.collect``) is done once, after the last of them: with real
commits (``transaction=True``), savepoints rolled back, and a receiver that fails."""

import pytest
from django.db import transaction
from django.dispatch import Signal

from django_netjsonconfig.workflow import unit
from django_netjsonconfig.workflow.sending import collect, send_on_commit

pytestmark = pytest.mark.django_db(transaction=True)

KIND = "test_dispatch_collected"


@pytest.fixture
def done():
    """The batches the collected step was called with, in order."""
    batches = []
    unit.register_step(KIND, lambda records: batches.append(dict(records)), after_commit=True)
    return batches


@pytest.fixture
def signal(done):
    """A signal whose receiver collects its ``n`` and records when it was sent."""
    sent = Signal()
    seen = []

    def receiver(sender, n, **kwargs):
        seen.append((n, len(done)))  # how many batches were done when it was sent
        collect(KIND, n, n)

    sent.connect(receiver, weak=False)
    sent.seen = seen
    return sent


def test_the_receivers_work_is_done_once_after_the_last_signal(signal, done):
    with transaction.atomic():
        for n in range(5):
            send_on_commit(signal, None, n=n)
        assert done == []
    assert done == [{0: 0, 1: 1, 2: 2, 3: 3, 4: 4}]
    assert signal.seen == [(n, 0) for n in range(5)]  # none done while they were sent


def test_each_transaction_is_its_own_dispatch(signal, done):
    for n in range(3):
        with transaction.atomic():
            send_on_commit(signal, None, n=n)
    assert done == [{0: 0}, {1: 1}, {2: 2}]


def test_a_signal_of_a_rolled_back_savepoint_does_not_hold_the_dispatch(signal, done):
    with transaction.atomic():
        send_on_commit(signal, None, n=1)
        try:
            with transaction.atomic():
                send_on_commit(signal, None, n=2)
                raise RuntimeError
        except RuntimeError:
            pass
        send_on_commit(signal, None, n=3)
        try:
            with transaction.atomic():
                send_on_commit(signal, None, n=4)  # the last one queued: rolled back
                raise RuntimeError
        except RuntimeError:
            pass
    assert done == [{1: 1, 3: 3}]


def test_collecting_inside_a_transaction_waits_for_its_commit(done):
    with transaction.atomic():
        collect(KIND, "a", 1)
        collect(KIND, "a", 2, merge=lambda old, new: old + new)
        assert done == []
    assert done == [{"a": 3}]
    collect(KIND, "b", 1)  # outside any transaction: at once
    assert done == [{"a": 3}, {"b": 1}]


def test_a_failing_receiver_loses_nothing_already_collected(signal, done):
    def failing(sender, n, **kwargs):
        if n == 1:
            raise ValueError("receiver failed")

    signal.connect(failing, weak=False)
    with pytest.raises(ValueError), transaction.atomic():
        for n in range(3):
            send_on_commit(signal, None, n=n)
    # Django ran no callback after the failure; what was collected is done at the next
    # collect of this thread
    collect(KIND, "later", 1)
    assert {0: 0, 1: 1} in done
    assert done[-1] == {"later": 1}
