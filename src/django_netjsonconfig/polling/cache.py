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
  A request (a poll, a save) waits for Redis ``REQUEST_TIMEOUT`` seconds at most,
  once: when a call fails (refused, or no answer in time), the process trusts
  nothing local and calls Redis no more from requests until the listener has
  subscribed again and bumped the counter, which voids, in every process, what
  the changes it could not publish meanwhile would have voided.
"""

import hashlib
import hmac
import logging
import mmap
import os
import struct
import tempfile
import threading
import time
import uuid
import zlib
from functools import partial
from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from ..settings import app_settings

logger = logging.getLogger(__name__)

CHANNEL = "netjsonconfig:generation"
COUNTER_KEY = "netjsonconfig:generation"
SLOTS_KEY = "netjsonconfig:slots"
ENTRY_PREFIX = "netjsonconfig:poll2:"  # records of this layout (see pack)
SLOTS = 65536
PING_EVERY = 0.5  # seconds between the listener's pings
SILENCE = 3.0  # seconds without a word from Redis after which nothing local is trusted
# seconds a Redis call made by a request (an entry, a bump) may take: past it, the request
# goes on as if Redis were down; the listener (a thread of its own) waits LISTENER_TIMEOUT
REQUEST_TIMEOUT = 0.25
LISTENER_TIMEOUT = 2.0
WARM_CHUNK = 1000  # devices read per query by a warm-up pass (its rows are transient memory)
WARM_PAUSE = 0.005  # seconds between two chunks (requests get the interpreter meanwhile)
# after a pass, the next one waits WARM_SPACING times as long as the pass took (a worker
# spends at most about a tenth of its time warming up), within these bounds in seconds
WARM_SPACING = 10
WARM_INTERVAL_MIN = 1.0
WARM_INTERVAL = 30.0
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

    def key_matches(self, key):
        return hmac.compare_digest(self.key.encode(), key.encode())

    def addresses_differ(self, last_ip, management_ip):
        """Whether a poll from ``last_ip`` (None: unknown) reporting ``management_ip``
        has something to record."""
        return bool(last_ip and last_ip != self.last_ip) or management_ip != self.management_ip

    def name_is(self, name):
        return name == self.name

    @property
    def has_config(self):
        return self.config_id is not None


def digest(text):
    """A stable 16-byte digest of ``text`` (of the key, for a cached record)."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def crc(text):
    """A stable 32-bit check value of ``text`` or None (names, addresses: it only
    tells whether they changed)."""
    return zlib.crc32(b"\x00" if text is None else b"\x01" + text.encode())


class Cached(NamedTuple):
    """An entry as the cache holds it: digests instead of the key, name and addresses
    (a fixed-size record, so 100,000 devices take about 10 MB in a process)."""

    generation: tuple
    key_digest: bytes
    name_crc: int
    last_ip_crc: int
    management_ip_crc: int
    config_bytes: bytes | None  # the config id's 16 bytes
    checksum: str | None
    pending: bool

    def usable(self):
        return self.checksum is not None and not self.pending

    def key_matches(self, key):
        return hmac.compare_digest(digest(key), self.key_digest)

    def addresses_differ(self, last_ip, management_ip):
        if last_ip and crc(last_ip) != self.last_ip_crc:
            return True
        return crc(management_ip) != self.management_ip_crc

    def name_is(self, name):
        return crc(name) == self.name_crc

    @property
    def has_config(self):
        return self.config_bytes is not None

    @property
    def config_id(self):
        """The config's id (made when asked: a checksum poll does not need it)."""
        return None if self.config_bytes is None else uuid.UUID(bytes=self.config_bytes)


# --- generations -----------------------------------------------------------------------------
def slot_of(device_id):
    return device_id.int % SLOTS


def slot_of_bytes(id_bytes):
    """``slot_of`` of the device whose id is ``id_bytes`` (its 16 bytes)."""
    return int.from_bytes(id_bytes, "big") % SLOTS


#: how many times this process was forked into (a child counts one more than its parent):
#: cheaper to compare at every poll than asking the kernel for the process id
_FORKS = [0]
if hasattr(os, "register_at_fork"):  # no fork where it is missing: the count stays 0
    os.register_at_fork(after_in_child=lambda: _FORKS.__setitem__(0, _FORKS[0] + 1))


class FileGeneration:
    """Counters in a memory-mapped file shared by the processes of one site:
    the global one, then one per slot."""

    size = 8 * (SLOTS + 1)

    def __init__(self, path):
        self.path = path
        self._map = None
        self._forks = None  # _FORKS[0] when mapped: a forked child maps the file again

    def _open(self):
        if self._map is None or self._forks != _FORKS[0]:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < self.size:
                    os.ftruncate(fd, self.size)
                self._map = mmap.mmap(fd, self.size)
            finally:
                os.close(fd)
            self._forks = _FORKS[0]
        return self._map

    def current(self, slot):
        mapped = self._open()
        return (_U64.unpack_from(mapped, 0)[0], _U64.unpack_from(mapped, 8 + 8 * slot)[0])

    def snapshot(self):
        """A function giving the generation of any slot, as all were at this moment."""
        data = bytes(self._open())
        base = _U64.unpack_from(data, 0)[0]
        return lambda slot: (base, _U64.unpack_from(data, 8 + 8 * slot)[0])

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
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # a call that timed out is not made again (redis-py would retry it ten times); a
        # connection found broken (Redis restarted) is made again once
        retry = Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))
        # the listener's connection: a thread of its own, which may wait
        self.listener_client = redis.Redis.from_url(
            url,
            socket_timeout=LISTENER_TIMEOUT,
            socket_connect_timeout=LISTENER_TIMEOUT,
            retry=retry,
        )
        # what requests call: a Redis that does not answer costs them REQUEST_TIMEOUT
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=REQUEST_TIMEOUT,
            socket_connect_timeout=REQUEST_TIMEOUT,
            retry=retry,
        )
        # Pub/Sub channels are server-wide, not per database: two sites on one Redis
        # server (databases 1 and 2, say) would apply each other's counters and lose
        # their own invalidations. The channel is the database's, as the keys are.
        self.channel = f"{CHANNEL}:{self.client.connection_pool.connection_kwargs.get('db', 0)}"
        self._global = None  # None: not subscribed, trust nothing local
        self._heard = 0.0  # time.monotonic() of the last word from Redis
        self._slots = {}
        self._lock = threading.Lock()
        # requests' Redis calls that failed (or were skipped) so far, and how many of them
        # the listener's last bump after subscribing covers: while they differ, nothing
        # local is trusted and requests do not call Redis
        self._lost = 0
        self._synced = 0
        self._covering = False  # the listener is bumping to cover them (or may have bumped)
        self._sync_lock = threading.Lock()
        self._thread = None
        self._forks = None  # _FORKS[0] when the listener started (threads do not survive a fork)
        self.on_reset = None  # called when the whole local copy is void
        self.on_slot = None  # called with a slot whose entries are void

    def _ensure_listener(self):
        def alive():
            return self._thread is not None and self._forks == _FORKS[0] and self._thread.is_alive()

        if not alive():
            with self._lock:
                if not alive():
                    self._forks = _FORKS[0]
                    self._set_global(None)
                    self._thread = threading.Thread(
                        target=self._listen, name="netjsonconfig-invalidation", daemon=True
                    )
                    self._thread.start()

    def _listen(self):
        delay = 0.1
        client = self.listener_client
        while True:
            pubsub = None
            try:
                with self._sync_lock:
                    lost = self._lost  # the failed requests' calls this bump will cover
                    self._covering = False
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                self._slots = {int(k): int(v) for k, v in client.hgetall(SLOTS_KEY).items()}
                # after (re)subscribing, bump: entries written while we were away are void;
                # a change whose bump is skipped from now on may come after it (bump again)
                with self._sync_lock:
                    self._covering = True
                value = client.incr(COUNTER_KEY)
                client.publish(self.channel, f"g:{value}")
                self._heard = pinged = time.monotonic()
                with self._sync_lock:
                    if self._lost != lost:
                        raise ConnectionError("a request could not reach Redis meanwhile")
                    self._synced = lost
                    self._set_global(value)
                delay = 0.1
                while True:
                    if self._lost != self._synced:
                        raise ConnectionError("a request could not reach Redis")
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

    def lost(self):
        """A request's Redis call failed, or was skipped: trust nothing local until the
        listener has subscribed again and bumped the counter (started here if this
        process had none yet: one that only writes, a worker, a command)."""
        with self._sync_lock:
            self._lost += 1
            self._set_global(None)
        self._ensure_listener()

    def _skipped(self):
        """A bump not made while the listener is yet to resynchronise: its coming bump
        covers it, unless that bump may already have been made."""
        with self._sync_lock:
            if self._covering:
                self._lost += 1
            self._set_global(None)
        self._ensure_listener()

    def _apply(self, data):
        kind, _, rest = data.decode().partition(":")
        if kind == "g":
            value = int(rest)
            with self._sync_lock:
                if self._lost != self._synced:
                    return  # nothing is trusted before the listener's bump
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
        if self._thread is None or self._forks != _FORKS[0]:
            self._ensure_listener()
        if self._global is None or time.monotonic() - self._heard > SILENCE:
            self._ensure_listener()  # a listener that died is started again
            return None
        return (self._global, self._slots.get(slot, 0))

    def snapshot(self):
        """Like ``FileGeneration.snapshot``; ``None`` while nothing local is trusted."""
        if self.current(0) is None:
            return None
        base, slots = self._global, dict(self._slots)
        if base is None:
            return None
        return lambda slot: (base, slots.get(slot, 0))

    def bump(self, slot=None):
        if self._lost != self._synced:
            # Redis failed a request lately: do not wait for it again; the listener's
            # bump once it has subscribed again voids what this one would have
            self._skipped()
            return
        try:
            if slot is None:
                value = self.client.incr(COUNTER_KEY)
                self.client.publish(self.channel, f"g:{value}")
            else:
                value = self.client.hincrby(SLOTS_KEY, slot, 1)
                self.client.publish(self.channel, f"s:{slot}:{value}")
        except Exception as exc:
            logger.warning("could not publish an invalidation (%s); polls use the database", exc)
            self.lost()
            return
        # apply it here at once, without waiting for our own message
        self._apply(
            f"{'g' if slot is None else 's'}:{'' if slot is None else f'{slot}:'}{value}".encode()
        )


# --- the cache -------------------------------------------------------------------------------
#: generation (global, slot), flags, config id, digest of the key, check values of the
#: name, the last and the management address, checksum (MD5)
_RECORD = struct.Struct("<QQB16s16sIII16s")
_PENDING, _HAS_CONFIG, _HAS_CHECKSUM = 1, 2, 4
_ID = 16  # the device id before each record in the process's store
_ROW = _ID + _RECORD.size


def pack(entry):
    """An ``Entry`` (or ``Cached``) as a fixed-size record; None if it cannot be one
    (a checksum that is not an MD5)."""
    if isinstance(entry, Cached):
        key, name = entry.key_digest, entry.name_crc
        last_ip, management_ip = entry.last_ip_crc, entry.management_ip_crc
        config_id = entry.config_bytes
    else:
        key, name = digest(entry.key), crc(entry.name)
        last_ip, management_ip = crc(entry.last_ip), crc(entry.management_ip)
        config_id = None if entry.config_id is None else entry.config_id.bytes
    flags = _PENDING if entry.pending else 0
    if config_id is not None:
        flags |= _HAS_CONFIG
    else:
        config_id = bytes(16)
    checksum = bytes(16)
    if entry.checksum is not None:
        try:
            checksum = bytes.fromhex(entry.checksum)
        except ValueError:
            return None
        if len(checksum) != 16:
            return None
        flags |= _HAS_CHECKSUM
    return _RECORD.pack(
        *entry.generation, flags, config_id, key, name, last_ip, management_ip, checksum
    )


def unpack(raw):
    glob, slot, flags, config_id, key, name, last_ip, management_ip, checksum = _RECORD.unpack_from(
        raw
    )
    return Cached(
        (glob, slot),
        key,
        name,
        last_ip,
        management_ip,
        config_id if flags & _HAS_CONFIG else None,
        checksum.hex() if flags & _HAS_CHECKSUM else None,
        bool(flags & _PENDING),
    )


def _generation_of(raw):
    return _RECORD.unpack_from(raw)[:2]


class RecordStore:
    """Records by device id, in few objects: ``2**BITS`` rows of fixed-size records
    (device id, then record), each row one ``bytes``. Python objects per record
    (a dict key, a value) would cost about 150 bytes more than the record itself.

    Bounded by ``size``: beyond it the oldest record of the next row in turn goes.
    Writers may race (request, warm-up and invalidation threads): a record can be
    lost or an older one come back, and that is harmless, since a record is used
    only while its generation stamp is the current one.
    """

    BITS = 14

    def __init__(self, size):
        self.size = size
        self._mask = (1 << self.BITS) - 1
        self.clear()

    def clear(self):
        self._rows = [b""] * (1 << self.BITS)
        self.count = 0
        self._hand = 0

    def __len__(self):
        return self.count

    def __contains__(self, device_id_bytes):
        return self.get(device_id_bytes) is not None

    def _index(self, key):
        return (key[0] | key[1] << 8) & self._mask

    @staticmethod
    def _find(row, key):
        at = row.find(key)
        while at != -1 and at % _ROW:  # the id's bytes inside another record
            at = row.find(key, at + 1)
        return at

    def get(self, key):
        row = self._rows[self._index(key)]
        at = self._find(row, key)
        return None if at < 0 else row[at + _ID : at + _ROW]

    def put(self, key, record):
        index = self._index(key)
        row = self._rows[index]
        at = self._find(row, key)
        if at >= 0:
            row = row[:at] + row[at + _ROW :]
        else:
            self.count += 1
        self._rows[index] = row + key + record
        if self.count > self.size:
            self._evict()

    def pop(self, key):
        index = self._index(key)
        row = self._rows[index]
        at = self._find(row, key)
        if at >= 0:
            self._rows[index] = row[:at] + row[at + _ROW :]
            self.count -= 1

    def _evict(self):
        for _ in range(len(self._rows)):
            if self.count <= self.size:
                return
            index = self._hand
            self._hand = (index + 1) & self._mask
            row = self._rows[index]
            if row:
                self._rows[index] = row[_ROW:]
                self.count -= 1


class PollCache:
    """Entries packed as bytes, keyed by the device id's 16 bytes, oldest evicted first."""

    def __init__(self, generation, size, redis_client=None):
        self.generation = generation
        self.size = size
        self.redis = redis_client
        self._local = RecordStore(size)
        if hasattr(generation, "on_reset"):
            generation.on_reset = self._local.clear
        self._warm_lock = threading.Lock()
        self._warm_thread = None
        self._warm_ended = None  # time.monotonic() when the last pass ended
        self._warm_full = False  # the last pass stopped at ``size``: the fleet is bigger
        self._warm_spacing = WARM_INTERVAL  # seconds from the end of a pass to the next
        self.misses = 0  # since the last pass ended

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
            if raw is not None and len(raw) == _RECORD.size and _generation_of(raw) == generation:
                self._remember(device_id, raw)
                return unpack(raw)
        return None

    def settled_checksum(self, id_bytes, key, last_ip, management_ip):
        """The checksum a poll gets, when this process's record settles the poll
        alone: the record is current, the device has a rendered configuration that
        waits for no re-render, ``key`` is the device's key (compared in constant
        time) and the addresses are the recorded ones (``last_ip`` None: unknown).
        Otherwise None, and the caller takes the full path (``get``), which gives
        the errors and records the addresses.

        A poll's common case in one call, on the record's fields, without building
        an entry: the same decisions as ``Cached``'s methods (a test compares them)."""
        generation = self.generation.current(slot_of_bytes(id_bytes))
        raw = self._local.get(id_bytes)
        if raw is None or generation is None:
            return None
        glob, slot, flags, _config, key_digest, _name, last_ip_crc, management_ip_crc, checksum = (
            _RECORD.unpack_from(raw)
        )
        if (
            (glob, slot) != generation
            or flags != _HAS_CONFIG | _HAS_CHECKSUM  # pending, or nothing to answer
            or not hmac.compare_digest(digest(key), key_digest)
            or (last_ip and crc(last_ip) != last_ip_crc)
            or crc(management_ip) != management_ip_crc
        ):
            return None
        return checksum.hex()

    def put(self, device_id, entry, remote=True):
        """Store ``entry``, stamped with the generation read before the database."""
        if entry.generation is None:
            return
        if entry.generation != self.generation.current(slot_of(device_id)):
            return  # a change committed meanwhile: this entry is already old
        raw = pack(entry)
        if raw is None:
            return
        self._remember(device_id, raw)
        if remote and self.redis is not None:
            self._redis_put(device_id, raw)

    def _remember(self, device_id, raw):
        self._local.put(device_id.bytes, raw)

    # --- warm-up -----------------------------------------------------------------------
    def warm(self, load_rows):
        """Start a warm-up pass in the background when one is due.

        Called at each miss. A pass reads the devices in chunks of ``WARM_CHUNK``
        (``load_rows(after_id, limit)`` gives rows of ``Entry`` fields after the
        device id, ordered by it) and keeps them in this process only, each stamped
        with the generation seen before its chunk was read, like any entry read
        from the database. It runs at the first miss of the process, and again
        after ``max(1000, size / 100)`` misses (as many single-row reads as a pass
        costs, or more), unless the last pass found more devices than ``size``
        (misses are then expected, and a pass would not help). A pass waits ten
        times as long as the last one took, between ``WARM_INTERVAL_MIN`` and
        ``WARM_INTERVAL`` seconds: devices added in bulk are read in bulk soon after
        they start polling, and a process never spends more than about a tenth of
        its time warming up.
        """
        self.misses += 1
        if self._warm_thread is not None or not app_settings.POLL_CACHE_WARM:
            return
        if self._warm_ended is not None:
            if self._warm_full or self.misses < max(1000, self.size // 100):
                return
            if time.monotonic() - self._warm_ended < self._warm_spacing:
                return
        with self._warm_lock:
            if self._warm_thread is not None:
                return
            self._warm_thread = threading.Thread(
                target=self._warm_pass, args=(load_rows,), name="netjsonconfig-warm", daemon=True
            )
            self._warm_thread.start()

    def _warm_pass(self, load_rows):
        from django.db import connections

        loaded, after = 0, None
        started = time.monotonic()
        try:
            while loaded < self.size:
                stamp = self.generation.snapshot()
                if stamp is None:
                    break  # nothing local is trusted now
                rows = load_rows(after, min(WARM_CHUNK, self.size - loaded))
                if not rows:
                    break
                for device_id, *fields in rows:
                    entry = Entry(stamp(slot_of(device_id)), *fields[:-1], bool(fields[-1]))
                    if entry.config_id is not None and entry.usable():
                        self.put(device_id, entry, remote=False)
                loaded += len(rows)
                after = rows[-1][0]
                time.sleep(WARM_PAUSE)
            self._warm_full = loaded >= self.size
        except Exception as exc:  # a warm-up is only an optimisation
            logger.warning("poll cache warm-up stopped (%s)", exc)
        finally:
            connections.close_all()  # this thread's own connections
            self._warm_ended = time.monotonic()
            self._warm_spacing = min(
                WARM_INTERVAL, max(WARM_INTERVAL_MIN, WARM_SPACING * (self._warm_ended - started))
            )
            self.misses = 0
            self._warm_thread = None

    def wait_warm(self, timeout=None):
        """Wait for a running warm-up pass (tests, benchmarks)."""
        thread = self._warm_thread
        if thread is not None:
            thread.join(timeout)

    def _redis_get(self, device_id):
        try:
            return self.redis.get(ENTRY_PREFIX + device_id.hex)
        except Exception:  # Redis down or silent: the database answers
            self._redis_lost()
            return None

    def _redis_put(self, device_id, raw):
        try:
            self.redis.set(ENTRY_PREFIX + device_id.hex, raw, ex=86400)
        except Exception:  # Redis down or silent: the database answers
            self._redis_lost()

    def _redis_lost(self):
        lost = getattr(self.generation, "lost", None)
        if lost is not None:
            lost()

    def invalidate_now(self, device_ids=None):
        if device_ids is None:
            self._local.clear()
            self.generation.bump()
            return
        for slot in {slot_of(device_id) for device_id in device_ids}:
            self.generation.bump(slot)
        for device_id in device_ids:
            self._local.pop(device_id.bytes)

    def clear_local(self):
        self._local.clear()

    def forget(self, device_id):
        self._local.pop(device_id.bytes)


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
