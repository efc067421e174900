"""Configuration archives kept in the process, for the download endpoint.

An archive is kept under ``(config id, checksum)``, and the checksum is the MD5 of
the archive: the bytes under a key are the only ones that key can ever stand for.
A config that changes gets a new checksum, hence a new key; what the old key
holds is still exactly the archive of the old checksum, so nothing needs to be
invalidated and old keys just age out. The download endpoint asks for the
checksum its poll entry gives as current (``polling.cache`` keeps that
right), and so answers from here with no database query. Callers use one function,
:func:`archive_for`.

:meth:`ArchiveCache.put` checks the MD5 before storing: bytes that do not match
their key are never kept.

Bounded by the total size of the archives it holds
(``NETJSONCONFIG_ARCHIVE_CACHE_BYTES``; 0 disables it), least recently used
evicted first; an archive larger than 1/16 of that budget is not kept.
"""

import hashlib
import os
import struct
import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from ..settings import PREFIX, app_settings
from .memo import ArchiveMemo

#: (archive, device name or None)
Named = tuple[bytes, str | None]

#: an archive is kept only if it takes at most this share of the budget
MAX_SHARE = 16


class ArchiveCache:
    """Archive bytes by ``(config id, checksum)``, bounded by their total size: the
    rendering's bounded LRU (``memo.ArchiveMemo``) with keys and items made
    compact, and the MD5 checked before anything is kept."""

    def __init__(self, budget: int | None) -> None:
        self.budget = max(int(budget or 0), 0)
        self.item_limit = self.budget // MAX_SHARE
        self._memo = ArchiveMemo(
            maxsize=None, maxbytes=self.budget, max_item=self.item_limit, weigh=_archive_length
        )

    @property
    def size(self) -> int:
        """Bytes of the archives held."""
        return self._memo.size

    def __len__(self) -> int:
        return len(self._memo)

    def get(self, config_id: uuid.UUID, checksum: str) -> bytes | None:
        """The archive whose MD5 is ``checksum``, or None."""
        found = self.get_named(config_id, checksum)
        return None if found is None else found[0]

    def get_named(self, config_id: uuid.UUID, checksum: str) -> Named | None:
        """``(archive, name)``: the archive whose MD5 is ``checksum`` and the device
        name it was kept with; or None."""
        key = _key(config_id, checksum)
        found = None if key is None else self._memo.get(key)
        return None if found is None else _unpack(found)

    def put(
        self,
        config_id: uuid.UUID,
        checksum: str | None,
        archive: bytes | None,
        name: str | None = None,
    ) -> bool:
        """Keep ``archive`` (with the device's ``name``) if its MD5 is ``checksum``
        and it fits; True when kept."""
        if not self.budget or checksum is None or archive is None:
            return False
        archive = bytes(archive)
        if len(archive) > self.item_limit or hashlib.md5(archive).hexdigest() != checksum:
            return False
        key = _key(config_id, checksum)
        return key is not None and self._memo.put(key, _pack(archive, name))

    def clear(self) -> None:
        self._memo.clear()


# An item is one ``bytes`` (name length, name, archive) under one 32-byte key (config
# id, binary MD5): a few Python objects per archive instead of a dozen.
_NAME_LENGTH = struct.Struct("<H")


def _key(config_id: Any, checksum: str) -> bytes | None:
    try:
        return config_id.bytes + bytes.fromhex(checksum)
    except (AttributeError, TypeError, ValueError):
        return None


def _pack(archive: bytes, name: str | None) -> bytes:
    encoded = b"\xff\xff" if name is None else _NAME_LENGTH.pack(len(name.encode())) + name.encode()
    return encoded + archive


def _archive_length(item: bytes) -> int:
    (length,) = _NAME_LENGTH.unpack_from(item)
    return len(item) - 2 - (0 if length == 0xFFFF else length)


def _unpack(item: bytes) -> Named:
    (length,) = _NAME_LENGTH.unpack_from(item)
    if length == 0xFFFF:
        return item[2:], None
    return item[2 + length :], item[2 : 2 + length].decode()


_cache: ArchiveCache | None = None
_cache_lock = threading.Lock()


def get_cache() -> ArchiveCache:
    """The process's cache, sized by ``NETJSONCONFIG_ARCHIVE_CACHE_BYTES`` when made."""
    global _cache
    cache = _cache
    if cache is None:
        with _cache_lock:
            if _cache is None:
                _cache = ArchiveCache(app_settings.ARCHIVE_CACHE_BYTES)
            cache = _cache
    return cache


def archive_for(
    config_id: uuid.UUID,
    checksum: str,
    load: Callable[..., Named],
    *args: Any,
    name_is: Callable[[str | None], bool] | None = None,
) -> Named:
    """``(archive, device name)``: the archive of config ``config_id`` whose MD5 is
    ``checksum``. From this process's cache when it holds it (and ``name_is`` says the
    name it was kept with is still the device's), else what ``load(*args)`` gives, which
    is kept when its MD5 is ``checksum`` (the cache checks it)."""
    cache = get_cache()
    found = cache.get_named(config_id, checksum)
    if found is not None and (name_is is None or name_is(found[1])):
        return found
    archive, name = load(*args)
    cache.put(config_id, checksum, archive, name)
    return archive, name


def reset() -> None:
    """Forget the cache object and what it holds (settings changed, tests)."""
    global _cache
    with _cache_lock:
        _cache = None


def _after_fork() -> None:
    # a lock held by another thread at fork would never be released in the child
    global _cache, _cache_lock
    _cache = None
    _cache_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


@receiver(setting_changed)
def _resize_on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == PREFIX + "ARCHIVE_CACHE_BYTES":
        reset()
