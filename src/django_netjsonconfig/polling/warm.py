"""Warm-up passes: the devices read in bulk into a process's poll records.

Called at each miss. A pass reads the devices in chunks of ``WARM_CHUNK``
(``load_rows(after_id, limit)`` gives rows of ``Entry`` fields after the device
id, ordered by it) and keeps them in this process only, each stamped with the
generation seen before its chunk was read, like any entry read from the database.
It runs at the first miss of the process, and again after
``max(1000, size / 100)`` misses (as many single-row reads as a pass costs, or
more), unless the last pass found more devices than ``size`` (misses are then
expected, and a pass would not help). A pass waits ten times as long as the last
one took, between ``WARM_INTERVAL_MIN`` and ``WARM_INTERVAL`` seconds: devices
added in bulk are read in bulk soon after they start polling, and a process never
spends more than about a tenth of its time warming up.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

from ..settings import app_settings
from .generation import GenerationSource, slot_of
from .records import Entry

logger = logging.getLogger(__name__)

WARM_CHUNK = 1000  # devices read per query by a warm-up pass (its rows are transient memory)
WARM_PAUSE = 0.005  # seconds between two chunks (requests get the interpreter meanwhile)
# after a pass, the next one waits WARM_SPACING times as long as the pass took (a worker
# spends at most about a tenth of its time warming up), within these bounds in seconds
WARM_SPACING = 10
WARM_INTERVAL_MIN = 1.0
WARM_INTERVAL = 30.0

#: ``load_rows(after device id or None, limit)``: rows of (device id, *Entry fields but
#: the generation)
LoadRows = Callable[[uuid.UUID | None, int], Sequence[Sequence[Any]]]
#: ``keep(device id, entry)``: store an entry in this process only
Keep = Callable[[uuid.UUID, Entry], None]


class Warmer:
    """The warm-up passes of one poll cache (a thread at a time)."""

    def __init__(self, generation: GenerationSource, size: int, keep: Keep) -> None:
        self.generation = generation
        self.size = size
        self.keep = keep
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.ended: float | None = None  # time.monotonic() when the last pass ended
        self.full = False  # the last pass stopped at ``size``: the fleet is bigger
        self.spacing = WARM_INTERVAL  # seconds from the end of a pass to the next
        self.misses = 0  # since the last pass ended

    def miss(self, load_rows: LoadRows) -> None:
        """Count a miss; start a pass in the background when one is due."""
        self.misses += 1
        if self.thread is not None or not app_settings.POLL_CACHE_WARM:
            return
        if self.ended is not None:
            if self.full or self.misses < max(1000, self.size // 100):
                return
            if time.monotonic() - self.ended < self.spacing:
                return
        with self._lock:
            if self.thread is not None:
                return
            self.thread = threading.Thread(
                target=self._pass, args=(load_rows,), name="netjsonconfig-warm", daemon=True
            )
            self.thread.start()

    def _pass(self, load_rows: LoadRows) -> None:
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
                for device_id, key, name, last_ip, management_ip, config, checksum, pending in rows:
                    entry = Entry(
                        stamp(slot_of(device_id)),
                        key,
                        name,
                        last_ip,
                        management_ip,
                        config,
                        checksum,
                        bool(pending),
                    )
                    if entry.config_id is not None and entry.usable():
                        self.keep(device_id, entry)
                loaded += len(rows)
                after = rows[-1][0]
                time.sleep(WARM_PAUSE)
            self.full = loaded >= self.size
        except Exception as exc:  # a warm-up is only an optimisation
            logger.warning("poll cache warm-up stopped (%s)", exc)
        finally:
            connections.close_all()  # this thread's own connections
            self.ended = time.monotonic()
            self.spacing = min(
                WARM_INTERVAL, max(WARM_INTERVAL_MIN, WARM_SPACING * (self.ended - started))
            )
            self.misses = 0
            self.thread = None

    def wait(self, timeout: float | None = None) -> None:
        """Wait for a running pass (tests, benchmarks)."""
        thread = self.thread
        if thread is not None:
            thread.join(timeout)
