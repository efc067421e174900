"""Catch the public signals a block of test code sends.

The services send every public signal with ``transaction.on_commit``; in a
``django_db`` test the transaction never commits, so a test hands pytest-django's
``django_capture_on_commit_callbacks`` fixture to :func:`catch_signal`, which
runs the callbacks registered inside the block when it ends::

    with catch_signal(signals.device_name_changed, django_capture_on_commit_callbacks) as sent:
        device.name = "new-name"
        device.save()
    assert sent.one().instance == device

Without the fixture (``django_db(transaction=True)`` tests) the receiver is
connected for the block and catches what real commits send.
"""

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field


@dataclass
class Sent:
    """One sending of a signal: its sender and its keyword arguments."""

    sender: object
    kwargs: dict

    def __getattr__(self, name):
        try:
            return self.kwargs[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class Catch:
    """What a signal sent inside a :func:`catch_signal` block, in order."""

    signal: object
    calls: list = field(default_factory=list)

    def __len__(self):
        return len(self.calls)

    def __iter__(self):
        return iter(self.calls)

    def __getitem__(self, index):
        return self.calls[index]

    def one(self):
        """The only sending; fails the test if there were none or several."""
        assert len(self.calls) == 1, (
            f"expected the signal once, it was sent {len(self.calls)} times: {self.calls!r}"
        )
        return self.calls[0]

    def none(self):
        """Fail the test if the signal was sent."""
        assert not self.calls, f"expected no signal, it was sent: {self.calls!r}"


@contextmanager
def catch_signal(signal, capture_on_commit=None):
    """Connect a receiver to ``signal`` for the block; yield a :class:`Catch`.

    ``capture_on_commit`` is pytest-django's ``django_capture_on_commit_callbacks``
    fixture: when given, the on-commit callbacks registered in the block run at
    its end (while the receiver is still connected).
    """
    caught = Catch(signal)

    def receiver(sender, signal=None, **kwargs):
        caught.calls.append(Sent(sender, kwargs))

    signal.connect(receiver, weak=False)
    try:
        with ExitStack() as stack:
            if capture_on_commit is not None:
                stack.enter_context(capture_on_commit(execute=True))
            yield caught
    finally:
        signal.disconnect(receiver)
