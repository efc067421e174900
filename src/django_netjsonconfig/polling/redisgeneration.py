"""The generation counters in Redis (``NETJSONCONFIG_REDIS_URL``).

A counter in Redis, published on each bump. Each process keeps the last value it
heard in memory, so a poll makes no network round trip when its record is local;
records are also kept in Redis for the other processes. While the subscription is
down, nothing local is trusted (polls read Redis or the database); after a
reconnect the counter is bumped, so that nothing written while Redis was away
survives.

A Redis that hangs (stopped, partitioned) closes no connection: the listener pings
it, and when it has not heard from it for ``SILENCE`` seconds the local copy is no
longer trusted and the subscription is made again. A change that could not be
published while Redis hung is so answered within ``SILENCE``.

A request (a poll, a save) waits for Redis ``REQUEST_TIMEOUT`` seconds at most,
once: when a call fails (refused, or no answer in time), the process trusts nothing
local and calls Redis no more from requests until the listener has subscribed again
and bumped the counter, which voids, in every process, what the changes it could
not publish meanwhile would have voided.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .generation import FORKS, Generation, Snapshot

logger = logging.getLogger(__name__)

CHANNEL = "netjsonconfig:generation"
COUNTER_KEY = "netjsonconfig:generation"
SLOTS_KEY = "netjsonconfig:slots"
PING_EVERY = 0.5  # seconds between the listener's pings
SILENCE = 3.0  # seconds without a word from Redis after which nothing local is trusted
# seconds a Redis call made by a request (a record, a bump) may take: past it, the request
# goes on as if Redis were down; the listener (a thread of its own) waits LISTENER_TIMEOUT
REQUEST_TIMEOUT = 0.25
LISTENER_TIMEOUT = 2.0


class RedisGeneration:
    """The counters in Redis, mirrored in the process by a subscription thread."""

    def __init__(self, url: str) -> None:
        # an optional dependency, imported when Redis is configured: the embedded mode
        # does without it (and without the cryptography it loads)
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
        self._global: int | None = None  # None: not subscribed, trust nothing local
        self._heard = 0.0  # time.monotonic() of the last word from Redis
        self._slots: dict[int, int] = {}
        self._lock = threading.Lock()
        # requests' Redis calls that failed (or were skipped) so far, and how many of them
        # the listener's last bump after subscribing covers: while they differ, nothing
        # local is trusted and requests do not call Redis
        self._lost = 0
        self._synced = 0
        self._covering = False  # the listener is bumping to cover them (or may have bumped)
        self._sync_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        # FORKS[0] when the listener started (threads do not survive a fork)
        self._forks: int | None = None
        self.on_reset: Callable[[], None] | None = None  # the whole local copy is void
        self.on_slot: Callable[[int], None] | None = None  # a slot whose entries are void

    def _ensure_listener(self) -> None:
        def alive() -> bool:
            return self._thread is not None and self._forks == FORKS[0] and self._thread.is_alive()

        if not alive():
            with self._lock:
                if not alive():
                    self._forks = FORKS[0]
                    self._set_global(None)
                    self._thread = threading.Thread(
                        target=self._listen, name="netjsonconfig-invalidation", daemon=True
                    )
                    self._thread.start()

    def _listen(self) -> None:
        delay = 0.1
        client = self.listener_client
        while True:
            pubsub: Any = None
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

    def lost(self) -> None:
        """A request's Redis call failed, or was skipped: trust nothing local until the
        listener has subscribed again and bumped the counter (started here if this
        process had none yet: one that only writes, a worker, a command)."""
        with self._sync_lock:
            self._lost += 1
            self._set_global(None)
        self._ensure_listener()

    def _skipped(self) -> None:
        """A bump not made while the listener is yet to resynchronise: its coming bump
        covers it, unless that bump may already have been made."""
        with self._sync_lock:
            if self._covering:
                self._lost += 1
            self._set_global(None)
        self._ensure_listener()

    def _apply(self, data: bytes) -> None:
        kind, _, rest = data.decode().partition(":")
        if kind == "g":
            value = int(rest)
            with self._sync_lock:
                if self._lost != self._synced:
                    return  # nothing is trusted before the listener's bump
                if self._global is None or value > self._global:
                    self._set_global(value)
        elif kind == "s":
            slot_text, _, value_text = rest.partition(":")
            slot, count = int(slot_text), int(value_text)
            if count > self._slots.get(slot, 0):
                self._slots[slot] = count
                if self.on_slot is not None:
                    self.on_slot(slot)

    def _set_global(self, value: int | None) -> None:
        self._global = value
        if self.on_reset is not None:
            self.on_reset()

    def current(self, slot: int) -> Generation | None:
        if self._thread is None or self._forks != FORKS[0]:
            self._ensure_listener()
        if self._global is None or time.monotonic() - self._heard > SILENCE:
            self._ensure_listener()  # a listener that died is started again
            return None
        return (self._global, self._slots.get(slot, 0))

    def snapshot(self) -> Snapshot | None:
        """Like ``FileGeneration.snapshot``; ``None`` while nothing local is trusted."""
        if self.current(0) is None:
            return None
        base, slots = self._global, dict(self._slots)
        if base is None:
            return None
        return lambda slot: (base, slots.get(slot, 0))

    def bump(self, slot: int | None = None) -> None:
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
