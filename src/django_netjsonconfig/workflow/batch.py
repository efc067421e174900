"""While a service runs a workflow, the model receivers stand aside.

The receivers (``receivers.py``) keep direct ORM use consistent: a developer
who calls ``config.templates.add(t)`` still gets a new checksum and the public
signals. A service that does several steps at once (create a config, set its
templates, render once) runs them inside :func:`managed`, so that each step
does not render and signal on its own.
"""

from contextlib import contextmanager
from contextvars import ContextVar

_managed = ContextVar("netjsonconfig_managed", default=False)


@contextmanager
def managed():
    token = _managed.set(True)
    try:
        yield
    finally:
        _managed.reset(token)


def is_managed():
    return _managed.get()
