"""The rendering's bounded memories: validated configs and archives, by content.

``memo`` remembers which merged configs passed validation (by backend class and
:func:`content_key`), ``archives`` the archive bytes a final config gave; both are
used only by the compiled backends (``rendering.compiled``). ``ArchiveMemo`` is
also the store of the download endpoint's archive cache (``rendering.archivecache``).
"""

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MEMO_SIZE = 4096


class ValidationMemo:
    """A bounded, thread-safe LRU set of ``(backend class, content digest)`` keys."""

    def __init__(self, maxsize: int = MEMO_SIZE) -> None:
        self.maxsize = maxsize
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __contains__(self, key: object) -> bool:
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                self.hits += 1
                return True
            self.misses += 1
            return False

    def add(self, key: Hashable) -> None:
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self.maxsize:
                self._keys.popitem(last=False)

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        with self._lock:
            self._keys.clear()
            self.hits = self.misses = 0


memo = ValidationMemo()


class ArchiveMemo:
    """A bounded, thread-safe LRU of archives, by count (``maxsize``; None: no bound)
    and by total size; ``weigh(item)`` gives an item's size (``len`` by default)."""

    def __init__(
        self,
        maxsize: int | None = 512,
        maxbytes: int = 16 * 1024 * 1024,
        max_item: int = 256 * 1024,
        weigh: Callable[[Any], int] = len,
    ) -> None:
        self.maxsize, self.maxbytes, self.max_item = maxsize, maxbytes, max_item
        self.weigh = weigh
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    @property
    def size(self) -> int:
        """Total size of the items held."""
        return self._bytes

    def get(self, key: Hashable) -> Any:
        with self._lock:
            archive = self._items.get(key)
            if archive is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return archive

    def put(self, key: Hashable, archive: Any) -> bool:
        """Keep ``archive`` unless it is larger than ``max_item``; True when kept."""
        weight = self.weigh(archive)
        if weight > self.max_item:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= self.weigh(old)
            self._items[key] = archive
            self._bytes += weight
            while self._items and (
                (self.maxsize is not None and len(self._items) > self.maxsize)
                or self._bytes > self.maxbytes
            ):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= self.weigh(dropped)
        return True

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.hits = 0


archives = ArchiveMemo()


def content_key(config: Any) -> bytes | None:
    """A digest of ``config``'s JSON text if it is made of plain JSON values, else ``None``.

    Two configs with the same JSON text are equal as JSON documents, so they
    validate alike; a config that does not survive the round trip gets no key
    (and no shortcut).
    """
    try:
        text = json.dumps(config, ensure_ascii=False, allow_nan=False)
        if json.loads(text) != config:
            return None
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()
