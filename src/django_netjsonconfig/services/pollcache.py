"""What the checksum endpoint needs, kept in the process, kept right.

Every entry is stamped with the *generation* it was read at: a global counter
and the counter of the device's slot (one of ``SLOTS``, by hash of its id).
A change that can alter what one device's poll answers (its checksum, key or
addresses) bumps that device's slot after its transaction commits; a change
to many (a template, a group) bumps the global counter. An entry is used only while its stamp equals
the current generation, and an entry read from the database is stored with
the generation seen *before* the read: a poll that read the old row while a
change committed stores an entry that is already out of date, so it can never
win over the change.

Where the generation lives:

- embedded mode (the default): an 8-byte counter in a memory-mapped file that
  every process of the site shares (``NETJSONCONFIG_GENERATION_FILE``, by
  default in the temp directory, named after the database). Reading it is a
  memory read.
- Redis mode (``NETJSONCONFIG_REDIS_URL``): a counter in Redis, published on
  each bump. Each process keeps the last value it heard in memory, so a poll
  makes no network round trip when its entry is local; entries are also kept
  in Redis for the other processes. While the subscription is down, nothing
  local is trusted (polls read Redis or the database); after a reconnect the
  counter is bumped, so that nothing written while Redis was away survives.
  A Redis that hangs (stopped, partitioned) closes no connection: the listener
  pings it, and when it has not heard from it for ``SILENCE`` seconds the local
  copy is no longer trusted and the subscription is made again. A change that
  could not be published while Redis hung is so answered within ``SILENCE``.
"""

import hashlib
import logging
import mmap
import os
import struct
import tempfile
import threading
import time
import uuid
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from ..settings import app_settings

logger = logging.getLogger(__name__)

CHANNEL = "netjsonconfig:generation"
COUNTER_KEY = "netjsonconfig:generation"
SLOTS_KEY = "netjsonconfig:slots"
ENTRY_PREFIX = "netjsonconfig:poll:"
SLOTS = 65536
PING_EVERY = 0.5  # seconds between the listener's pings
SILENCE = 3.0  # seconds without a word from Redis after which nothing local is trusted
_U64 = struct.Struct("<Q")


class Entry(NamedTuple):
    generation: tuple  # (global counter, slot counter) when read
    key: str
    name: str
    last_ip: str | None
    management_ip: str | None
    config_id: object  # None: the device has no config
    checksum: str | None
    pending: bool

    def usable(self):
        """Answerable from the cache: rendered and not waiting for a re-render."""
        return self.checksum is not None and not self.pending


# --- generations -----------------------------------------------------------------------------
def slot_of(device_id):
    return device_id.int % SLOTS


class FileGeneration:
    """Counters in a memory-mapped file shared by the processes of one site:
    the global one, then one per slot."""

    size = 8 * (SLOTS + 1)

    def __init__(self, path):
        self.path = path
        self._map = None
        self._pid = None

    def _open(self):
        if self._map is None or self._pid != os.getpid():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < self.size:
                    os.ftruncate(fd, self.size)
                self._map = mmap.mmap(fd, self.size)
            finally:
                os.close(fd)
            self._pid = os.getpid()
        return self._map

    def current(self, slot):
        mapped = self._open()
        return (_U64.unpack_from(mapped, 0)[0], _U64.unpack_from(mapped, 8 + 8 * slot)[0])

    def bump(self, slot=None):
        import fcntl

        mapped = self._open()
        offset = 0 if slot is None else 8 + 8 * slot
        with open(self.path, "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                _U64.pack_into(mapped, offset, _U64.unpack_from(mapped, offset)[0] + 1)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class RedisGeneration:
    """The counters in Redis, mirrored in the process by a subscription thread."""

    def __init__(self, url):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        # Pub/Sub channels are server-wide, not per database: two sites on one Redis
        # server (databases 1 and 2, say) would apply each other's counters and lose
        # their own invalidations. The channel is the database's, as the keys are.
        self.channel = f"{CHANNEL}:{self.client.connection_pool.connection_kwargs.get('db', 0)}"
        self._global = None  # None: not subscribed, trust nothing local
        self._heard = 0.0  # time.monotonic() of the last word from Redis
        self._slots = {}
        self._lock = threading.Lock()
        self._thread = None
        self._pid = None
        self.on_reset = None  # called when the whole local copy is void
        self.on_slot = None  # called with a slot whose entries are void

    def _ensure_listener(self):
        alive = self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()
        if not alive:
            with self._lock:
                if self._thread is None or self._pid != os.getpid() or not self._thread.is_alive():
                    self._pid = os.getpid()
                    self._set_global(None)
                    self._thread = threading.Thread(
                        target=self._listen, name="netjsonconfig-invalidation", daemon=True
                    )
                    self._thread.start()

    def _listen(self):
        delay = 0.1
        while True:
            pubsub = None
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self._slots = {int(k): int(v) for k, v in self.client.hgetall(SLOTS_KEY).items()}
                # after (re)subscribing, bump: entries written while we were away are void
                value = self.client.incr(COUNTER_KEY)
                self.client.publish(self.channel, f"g:{value}")
                self._heard = pinged = time.monotonic()
                self._set_global(value)
                delay = 0.1
                while True:
                    message = pubsub.get_message(timeout=PING_EVERY / 2)
                    now = time.monotonic()
                    if message:
                        self._heard = now
                        if message.get("type") == "message":
                            self._apply(message["data"])
                    if now - self._heard > SILENCE:
                        raise ConnectionError(f"no answer from Redis for {SILENCE} s")
                    if now - pinged >= PING_EVERY:
                        pubsub.ping()
                        pinged = now
            except Exception as exc:  # connection lost: trust nothing until back
                if self._global is not None:
                    logger.warning("invalidation channel lost (%s); polls use the database", exc)
                self._set_global(None)
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                if pubsub is not None:
                    try:
                        pubsub.close()
                    except Exception:  # noqa: S110
                        pass

    def _apply(self, data):
        kind, _, rest = data.decode().partition(":")
        if kind == "g":
            value = int(rest)
            if self._global is None or value > self._global:
                self._set_global(value)
        elif kind == "s":
            slot, _, value = rest.partition(":")
            slot, value = int(slot), int(value)
            if value > self._slots.get(slot, 0):
                self._slots[slot] = value
                if self.on_slot is not None:
                    self.on_slot(slot)

    def _set_global(self, value):
        self._global = value
        if self.on_reset is not None:
            self.on_reset()

    def current(self, slot):
        self._ensure_listener()
        if self._global is None or time.monotonic() - self._heard > SILENCE:
            return None
        return (self._global, self._slots.get(slot, 0))

    def bump(self, slot=None):
        try:
            if slot is None:
                value = self.client.incr(COUNTER_KEY)
                self.client.publish(self.channel, f"g:{value}")
            else:
                value = self.client.hincrby(SLOTS_KEY, slot, 1)
                self.client.publish(self.channel, f"s:{slot}:{value}")
        except Exception as exc:
            logger.warning("could not publish an invalidation (%s)", exc)
            self._set_global(None)
            return
        # apply it here at once, without waiting for our own message
        self._apply(
            f"{'g' if slot is None else 's'}:{'' if slot is None else f'{slot}:'}{value}".encode()
        )


# --- the cache -------------------------------------------------------------------------------
_HEAD = struct.Struct("<QQ?16s")  # generation (global, slot), pending, config id
_SEP = "\x1f"  # cannot occur in a key (no whitespace), a name, an address or a checksum


def pack(entry):
    """An entry as one compact ``bytes`` (about 150 bytes instead of about 700)."""
    config_id = entry.config_id.bytes if entry.config_id is not None else bytes(16)
    text = _SEP.join(
        (
            entry.key,
            entry.name,
            entry.last_ip or "",
            entry.management_ip or "",
            entry.checksum or "",
            "1" if entry.config_id is not None else "",
        )
    )
    return _HEAD.pack(*entry.generation, entry.pending, config_id) + text.encode()


def unpack(raw):
    global_generation, slot_generation, pending, config_id = _HEAD.unpack_from(raw)
    key, name, last_ip, management_ip, checksum, has_config = raw[_HEAD.size :].decode().split(_SEP)
    return Entry(
        (global_generation, slot_generation),
        key,
        name,
        last_ip or None,
        management_ip or None,
        uuid.UUID(bytes=config_id) if has_config else None,
        checksum or None,
        pending,
    )


def _generation_of(raw):
    return _HEAD.unpack_from(raw)[:2]


class PollCache:
    """Entries packed as bytes, keyed by the device id's 16 bytes, oldest evicted first."""

    def __init__(self, generation, size, redis_client=None):
        self.generation = generation
        self.size = size
        self.redis = redis_client
        self._local = {}
        if hasattr(generation, "on_reset"):
            generation.on_reset = self._local.clear

    def current_generation(self, device_id):
        return self.generation.current(slot_of(device_id))

    def get(self, device_id):
        generation = self.generation.current(slot_of(device_id))
        if generation is None:
            return None
        raw = self._local.get(device_id.bytes)
        if raw is not None and _generation_of(raw) == generation:
            return unpack(raw)
        if self.redis is not None:
            raw = self._redis_get(device_id)
            if raw is not None and _generation_of(raw) == generation:
                self._remember(device_id, raw)
                return unpack(raw)
        return None

    def put(self, device_id, entry):
        """Store ``entry``, stamped with the generation read before the database."""
        if entry.generation is None:
            return
        if entry.generation != self.generation.current(slot_of(device_id)):
            return  # a change committed meanwhile: this entry is already old
        raw = pack(entry)
        self._remember(device_id, raw)
        if self.redis is not None:
            self._redis_put(device_id, raw)

    def _remember(self, device_id, raw):
        local = self._local
        local[device_id.bytes] = raw
        if len(local) > self.size:
            del local[next(iter(local))]

    def _redis_get(self, device_id):
        try:
            return self.redis.get(ENTRY_PREFIX + device_id.hex)
        except Exception:
            return None

    def _redis_put(self, device_id, raw):
        try:
            self.redis.set(ENTRY_PREFIX + device_id.hex, raw, ex=86400)
        except Exception:  # noqa: S110  (Redis down: the database answers)
            pass

    def invalidate_now(self, device_ids=None):
        if device_ids is None:
            self._local.clear()
            self.generation.bump()
            return
        for slot in {slot_of(device_id) for device_id in device_ids}:
            self.generation.bump(slot)
        for device_id in device_ids:
            self._local.pop(device_id.bytes, None)

    def clear_local(self):
        self._local.clear()

    def forget(self, device_id):
        self._local.pop(device_id.bytes, None)


_cache = None
_cache_lock = threading.Lock()


def _default_generation_file():
    db = settings.DATABASES["default"]
    name = f"{db.get('ENGINE')}|{db.get('HOST', '')}|{db.get('PORT', '')}|{db.get('NAME')}"
    digest = hashlib.sha1(name.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"django-netjsonconfig-{digest}.generation")


def get_cache():
    global _cache
    if _cache is None:
        with _cache_lock:
            if _cache is None:
                url = app_settings.REDIS_URL
                if url:
                    generation = RedisGeneration(url)
                    _cache = PollCache(generation, app_settings.POLL_CACHE_SIZE, generation.client)
                else:
                    path = app_settings.GENERATION_FILE or _default_generation_file()
                    _cache = PollCache(FileGeneration(path), app_settings.POLL_CACHE_SIZE)
    return _cache


def reset():
    """Forget the cache object (settings changed, tests)."""
    global _cache
    with _cache_lock:
        _cache = None


def invalidate(device_id=None):
    """After the current transaction commits, void the cached poll answers of one
    device (``device_id``), or of every device."""
    ids = None if device_id is None else (device_id,)
    # dropping this process's copy at once is always safe (and keeps a process
    # consistent with its own uncommitted changes); the counters move after commit
    cache = get_cache()
    if ids is None:
        cache.clear_local()
    else:
        cache.forget(device_id)
    transaction.on_commit(partial(_invalidate_committed, ids))


def _invalidate_committed(device_ids):
    get_cache().invalidate_now(device_ids)
