"""The poll cache: what the checksum endpoint needs, kept in the process, kept right.

Records (``polling.records``) are stamped with the generation they were read at
(``polling.generation``; in Redis mode ``polling.redisgeneration``), and used only
while that stamp is current. A record read from the database is stored with the
generation seen *before* the read: a poll that read the old row while a change
committed stores a record that is already out of date, so it can never win over
the change. The poll decision is ``polling.decision``, the common poll's one-call
answer ``polling.settled``, the bulk reads ``polling.warm``.

The names of those modules that callers used from here stay importable from here.
"""

import threading
import uuid
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver

from ..settings import PREFIX, app_settings
from .generation import (
    SLOTS,
    FileGeneration,
    Generation,
    GenerationSource,
    default_generation_file,
    slot_of,
    slot_of_bytes,
)
from .records import RECORD, Cached, Entry, RecordStore, crc, digest, generation_of, pack, unpack
from .redisgeneration import RedisGeneration
from .settled import settled_checksum
from .warm import WARM_INTERVAL, WARM_INTERVAL_MIN, LoadRows, Warmer

__all__ = [
    "ENTRY_PREFIX",
    "RECORD",
    "SLOTS",
    "WARM_INTERVAL",
    "WARM_INTERVAL_MIN",
    "Cached",
    "Entry",
    "FileGeneration",
    "PollCache",
    "RecordStore",
    "RedisGeneration",
    "crc",
    "digest",
    "get_cache",
    "invalidate",
    "pack",
    "reset",
    "slot_of",
    "slot_of_bytes",
    "unpack",
]

ENTRY_PREFIX = "netjsonconfig:poll2:"  # records of this layout (see records.pack), in Redis
_RECORD = RECORD  # the name the tests knew it by


class PollCache:
    """Records packed as bytes, keyed by the device id's 16 bytes, oldest evicted first."""

    def __init__(self, generation: GenerationSource, size: int, redis_client: Any = None) -> None:
        self.generation = generation
        self.size = size
        self.redis = redis_client
        self._local = RecordStore(size)
        if isinstance(generation, RedisGeneration):
            generation.on_reset = self._local.clear
        self.warmer = Warmer(generation, size, self._keep)
        #: ``settled_checksum(id_bytes, key, last_ip, management_ip)``: the settled answer
        #: (``polling.settled``) on this cache's records, bound once (the poll's common
        #: case: no method frame of its own)
        self.settled_checksum: Callable[[bytes, str, str | None, str | None], str | None] = partial(
            settled_checksum, generation, self._local
        )

    def current_generation(self, device_id: uuid.UUID) -> Generation | None:
        return self.generation.current(slot_of(device_id))

    def get(self, device_id: uuid.UUID) -> Cached | None:
        generation = self.generation.current(slot_of(device_id))
        if generation is None:
            return None
        raw = self._local.get(device_id.bytes)
        if raw is not None and generation_of(raw) == generation:
            return unpack(raw)
        if self.redis is not None:
            raw = self._redis_get(device_id)
            if raw is not None and len(raw) == RECORD.size and generation_of(raw) == generation:
                self._local.put(device_id.bytes, raw)
                return unpack(raw)
        return None

    def put(self, device_id: uuid.UUID, entry: Entry | Cached, remote: bool = True) -> None:
        """Store ``entry``, stamped with the generation read before the database."""
        if entry.generation is None:
            return
        if entry.generation != self.generation.current(slot_of(device_id)):
            return  # a change committed meanwhile: this entry is already old
        raw = pack(entry)
        if raw is None:
            return
        self._local.put(device_id.bytes, raw)
        if remote and self.redis is not None:
            self._redis_put(device_id, raw)

    def _keep(self, device_id: uuid.UUID, entry: Entry) -> None:
        self.put(device_id, entry, remote=False)

    def warm(self, load_rows: LoadRows) -> None:
        """A miss: start a warm-up pass in the background when one is due
        (see ``polling.warm``)."""
        self.warmer.miss(load_rows)

    def wait_warm(self, timeout: float | None = None) -> None:
        """Wait for a running warm-up pass (tests, benchmarks)."""
        self.warmer.wait(timeout)

    def _redis_get(self, device_id: uuid.UUID) -> bytes | None:
        try:
            return self.redis.get(ENTRY_PREFIX + device_id.hex)
        except Exception:  # Redis down or silent: the database answers
            self._redis_lost()
            return None

    def _redis_put(self, device_id: uuid.UUID, raw: bytes) -> None:
        try:
            self.redis.set(ENTRY_PREFIX + device_id.hex, raw, ex=86400)
        except Exception:  # Redis down or silent: the database answers
            self._redis_lost()

    def _redis_lost(self) -> None:
        if isinstance(self.generation, RedisGeneration):
            self.generation.lost()

    def invalidate_now(self, device_ids: Iterable[uuid.UUID] | None = None) -> None:
        if device_ids is None:
            self._local.clear()
            self.generation.bump()
            return
        device_ids = list(device_ids)
        for slot in {slot_of(device_id) for device_id in device_ids}:
            self.generation.bump(slot)
        for device_id in device_ids:
            self._local.pop(device_id.bytes)

    def clear_local(self) -> None:
        self._local.clear()

    def forget(self, device_id: uuid.UUID) -> None:
        self._local.pop(device_id.bytes)


_cache: PollCache | None = None
_cache_lock = threading.Lock()


def get_cache() -> PollCache:
    global _cache
    if _cache is None:
        with _cache_lock:
            if _cache is None:
                url = app_settings.REDIS_URL
                if url:
                    generation = RedisGeneration(url)
                    _cache = PollCache(generation, app_settings.POLL_CACHE_SIZE, generation.client)
                else:
                    path = app_settings.GENERATION_FILE or default_generation_file()
                    _cache = PollCache(FileGeneration(path), app_settings.POLL_CACHE_SIZE)
    return _cache


def reset() -> None:
    """Forget the cache object (settings changed, tests)."""
    global _cache
    with _cache_lock:
        _cache = None


@receiver(setting_changed)
def _reset_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith(PREFIX) or setting in ("DEBUG", "DATABASES"):
        reset()


def invalidate(device_id: uuid.UUID | None = None) -> None:
    """After the current transaction commits, void the cached poll answers of one
    device (``device_id``), or of every device."""
    ids = None if device_id is None else (device_id,)
    # dropping this process's copy at once is always safe (and keeps a process
    # consistent with its own uncommitted changes); the counters move after commit
    cache = get_cache()
    if ids is None:
        cache.clear_local()
    else:
        cache.forget(ids[0])
    transaction.on_commit(partial(_invalidate_committed, ids))


def _invalidate_committed(device_ids: tuple[uuid.UUID, ...] | None) -> None:
    get_cache().invalidate_now(device_ids)
