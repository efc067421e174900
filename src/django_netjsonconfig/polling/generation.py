"""Generation counters: what voids the poll answers a process keeps.

Every poll record is stamped with the *generation* it was read at: a global
counter and the counter of the device's slot (one of ``SLOTS``, by hash of its
id). A change that can alter what one device's poll answers (its checksum, key
or addresses) bumps that device's slot after its transaction commits; a change to
many (a template, a group) bumps the global counter. A record is used only while
its stamp equals the current generation.

In embedded mode (the default) the counters are 8-byte integers in a
memory-mapped file that every process of the site shares
(``NETJSONCONFIG_GENERATION_FILE``, by default in the temp directory, named after
the database): reading one is a memory read. The Redis mode lives in
``polling.redisgeneration``.
"""

import hashlib
import mmap
import os
import struct
import tempfile
import uuid
from collections.abc import Callable
from typing import Protocol

from django.conf import settings

try:  # POSIX: the counters' file is locked while one is bumped
    import fcntl
except ImportError:  # pragma: no cover - no embedded mode without it
    fcntl = None  # type: ignore[assignment]

SLOTS = 65536
_U64 = struct.Struct("<Q")

#: (global counter, slot counter)
Generation = tuple[int, int]
#: the generation of any slot, as all were at one moment
Snapshot = Callable[[int], Generation]


class GenerationSource(Protocol):
    """Where the counters live (a file, Redis)."""

    def current(self, slot: int) -> Generation | None: ...

    def snapshot(self) -> Snapshot | None: ...

    def bump(self, slot: int | None = None) -> None: ...


def slot_of(device_id: uuid.UUID) -> int:
    return device_id.int % SLOTS


def slot_of_bytes(id_bytes: bytes) -> int:
    """``slot_of`` of the device whose id is ``id_bytes`` (its 16 bytes)."""
    return int.from_bytes(id_bytes, "big") % SLOTS


#: how many times this process was forked into (a child counts one more than its parent):
#: cheaper to compare at every poll than asking the kernel for the process id
FORKS = [0]


def _count_fork() -> None:
    FORKS[0] += 1


if hasattr(os, "register_at_fork"):  # no fork where it is missing: the count stays 0
    os.register_at_fork(after_in_child=_count_fork)


class FileGeneration:
    """Counters in a memory-mapped file shared by the processes of one site:
    the global one, then one per slot."""

    size = 8 * (SLOTS + 1)

    def __init__(self, path: str) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._forks: int | None = None  # FORKS[0] when mapped: a forked child maps again

    def _open(self) -> mmap.mmap:
        if self._map is None or self._forks != FORKS[0]:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < self.size:
                    os.ftruncate(fd, self.size)
                self._map = mmap.mmap(fd, self.size)
            finally:
                os.close(fd)
            self._forks = FORKS[0]
        return self._map

    def current(self, slot: int) -> Generation:
        mapped = self._open()
        return (_U64.unpack_from(mapped, 0)[0], _U64.unpack_from(mapped, 8 + 8 * slot)[0])

    def snapshot(self) -> Snapshot:
        """A function giving the generation of any slot, as all were at this moment."""
        data = bytes(self._open())
        base = _U64.unpack_from(data, 0)[0]

        def generation(slot: int) -> Generation:
            return (base, _U64.unpack_from(data, 8 + 8 * slot)[0])

        return generation

    def bump(self, slot: int | None = None) -> None:
        if fcntl is None:  # pragma: no cover
            raise RuntimeError("the embedded mode needs fcntl (POSIX); set NETJSONCONFIG_REDIS_URL")
        mapped = self._open()
        offset = 0 if slot is None else 8 + 8 * slot
        with open(self.path, "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                _U64.pack_into(mapped, offset, _U64.unpack_from(mapped, offset)[0] + 1)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def default_generation_file() -> str:
    """The counters' file of this site's database, in the temp directory."""
    db = settings.DATABASES["default"]
    name = f"{db.get('ENGINE')}|{db.get('HOST', '')}|{db.get('PORT', '')}|{db.get('NAME')}"
    digest = hashlib.sha1(name.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"django-netjsonconfig-{digest}.generation")
