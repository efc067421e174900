"""One process at a time works on a piece of work: a claim, held while it runs.

- PostgreSQL: a session advisory lock on the worker's own connection, keyed by a hash
  of the work (released when the work ends, or by the server when the process dies);
- SQLite in a file: an exclusive ``flock`` on a lock file next to the database (one of
  :data:`SLOTS` files; the kernel releases it when the process dies);
- anything else (an in-memory database, another vendor, a system without ``fcntl``):
  a lock of this process only.

A claim is taken by a thread of its own connection (threads have their own), so two
threads of one process exclude each other too. ``wait=False`` gives up at once when
another holds it (the sweeper: that other is doing the work); ``wait=True`` blocks
until it is free (work asked for here: it runs after the other's, which may have read
the database before this change was committed).
"""

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

try:  # not on Windows: there, claims are per process
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

#: lock files next to a SQLite database (work whose keys share a slot takes turns)
SLOTS = 8

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def key_of(name: str, args: tuple[str, ...] = ()) -> str:
    """The claim key of task ``name`` with ``args``."""
    return ":".join(("netjsonconfig", name, *args))


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def lock_path(database_name: str, key: str) -> str | None:
    """The lock file for ``key`` next to the SQLite database file ``database_name``
    (None for an in-memory database)."""
    name = str(database_name)
    if not name or name == ":memory:" or "mode=memory" in name:
        return None
    if name.startswith("file:"):
        name = name[len("file:") :].split("?", 1)[0]
    return f"{name}.queue-{_digest(key) % SLOTS}.lock"


@contextmanager
def claim(key: str, *, wait: bool, alias: str = DEFAULT_DB_ALIAS) -> Iterator[bool]:
    """Hold the claim on ``key`` for the block; yields whether it was obtained."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        with _advisory(connection, key, wait) as held:
            yield held
        return
    path = lock_path(connection.settings_dict.get("NAME") or "", key)
    if connection.vendor == "sqlite" and path is not None and fcntl is not None:
        with _lock_file(path, wait) as held:
            yield held
        return
    with _local(key, wait) as held:
        yield held


@contextmanager
def _advisory(connection: object, key: str, wait: bool) -> Iterator[bool]:
    number = _digest(key)
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s)", [number])
            held = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [number])
            held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            _advisory_unlock(connection, number)


def _advisory_unlock(connection: object, number: int) -> None:
    try:
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SELECT pg_advisory_unlock(%s)", [number])
    except Exception:
        connection.close()  # type: ignore[attr-defined]  # the session's locks go with it


@contextmanager
def _lock_file(path: str, wait: bool) -> Iterator[bool]:
    # read-only: a process of another user (a shell run as root beside the web server's
    # user) can lock a file it could not write
    descriptor = os.open(path, os.O_RDONLY | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


@contextmanager
def _local(key: str, wait: bool) -> Iterator[bool]:
    with _local_guard:
        lock = _local_locks.setdefault(key, threading.Lock())
    held = lock.acquire(blocking=wait)
    try:
        yield held
    finally:
        if held:
            lock.release()
