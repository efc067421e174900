"""Helpers that need no Django, for the tests and for the processes they start (a
driver, a script run with ``python -m``): the checkout's root, a free port, a wait."""

import hashlib
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

#: the root of the checkout (``manage.py``, ``demo/``, ``docs/``)
ROOT = Path(__file__).resolve().parent.parent

T = TypeVar("T")


def md5(data: bytes) -> str:
    """The hex MD5 of ``data``: the checksum the controller answers for an archive."""
    return hashlib.md5(data).hexdigest()


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(
    predicate: Callable[[], T], timeout: float, interval: float = 0.05, message: str = "condition"
) -> T:
    """Call ``predicate`` until it returns a true value (returned); AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)
