"""Poll records: what a poll needs of one device, in a fixed-size record.

An :class:`Entry` is read from the database (the key, name and addresses as they
are); a :class:`Cached` is what a process keeps: digests instead of the key, name
and addresses, packed in a record of ``RECORD.size`` bytes, so that 100,000
devices take about 10 MB in a process. :class:`RecordStore` holds the records of
a process by device id in few Python objects.
"""

import hashlib
import hmac
import struct
import uuid
from typing import NamedTuple, Protocol
from zlib import crc32 as zlib_crc32

from .generation import Generation

#: generation (global, slot), flags, config id, digest of the key, check values of the
#: name, the last and the management address, checksum (MD5)
RECORD = struct.Struct("<QQB16s16sIII16s")
PENDING, HAS_CONFIG, HAS_CHECKSUM = 1, 2, 4
#: what a record that answers a poll has: a config, a checksum, no re-render pending
ANSWERABLE = HAS_CONFIG | HAS_CHECKSUM
_ID = 16  # the device id before each record in the process's store
_ROW = _ID + RECORD.size


def digest(text: str) -> bytes:
    """A stable 16-byte digest of ``text`` (of the key, for a cached record)."""
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def crc(text: str | None) -> int:
    """A stable 32-bit check value of ``text`` or None (names, addresses: it only
    tells whether they changed)."""
    return zlib_crc32(b"\x00" if text is None else b"\x01" + text.encode())


class Decidable(Protocol):
    """The fields of a record the poll decision reads (see ``polling.decision``)."""

    @property
    def flags(self) -> int: ...

    @property
    def key_digest(self) -> bytes: ...

    @property
    def last_ip_crc(self) -> int: ...

    @property
    def management_ip_crc(self) -> int: ...


class Entry(NamedTuple):
    """A device's poll fields as read from the database."""

    generation: Generation | None  # (global counter, slot counter) when read
    key: str
    name: str
    last_ip: str | None
    management_ip: str | None
    config_id: uuid.UUID | None  # None: the device has no config
    checksum: str | None
    pending: bool

    def usable(self) -> bool:
        """Answerable from the cache: rendered and not waiting for a re-render."""
        return self.checksum is not None and not self.pending

    def key_matches(self, key: str) -> bool:
        return hmac.compare_digest(self.key.encode(), key.encode())

    def addresses_differ(self, last_ip: str | None, management_ip: str | None) -> bool:
        """Whether a poll from ``last_ip`` (None: unknown) reporting ``management_ip``
        has something to record."""
        return bool(last_ip and last_ip != self.last_ip) or management_ip != self.management_ip

    def name_is(self, name: str | None) -> bool:
        return name == self.name

    @property
    def has_config(self) -> bool:
        return self.config_id is not None

    # what the poll decision reads, as a cached record holds it
    @property
    def flags(self) -> int:
        return _flags(self.pending, self.config_id is not None, self.checksum is not None)

    @property
    def key_digest(self) -> bytes:
        return digest(self.key)

    @property
    def last_ip_crc(self) -> int:
        return crc(self.last_ip)

    @property
    def management_ip_crc(self) -> int:
        return crc(self.management_ip)


class Cached(NamedTuple):
    """An entry as the cache holds it: digests instead of the key, name and addresses."""

    generation: Generation
    key_digest: bytes
    name_crc: int
    last_ip_crc: int
    management_ip_crc: int
    config_bytes: bytes | None  # the config id's 16 bytes
    checksum: str | None
    pending: bool
    flags: int  # the record's flags (PENDING, HAS_CONFIG, HAS_CHECKSUM)

    def usable(self) -> bool:
        return self.checksum is not None and not self.pending

    def key_matches(self, key: str) -> bool:
        return hmac.compare_digest(digest(key), self.key_digest)

    def addresses_differ(self, last_ip: str | None, management_ip: str | None) -> bool:
        if last_ip and crc(last_ip) != self.last_ip_crc:
            return True
        return crc(management_ip) != self.management_ip_crc

    def name_is(self, name: str | None) -> bool:
        return crc(name) == self.name_crc

    @property
    def has_config(self) -> bool:
        return self.config_bytes is not None

    @property
    def config_id(self) -> uuid.UUID | None:
        """The config's id (made when asked: a checksum poll does not need it)."""
        return None if self.config_bytes is None else uuid.UUID(bytes=self.config_bytes)


def _flags(pending: bool, has_config: bool, has_checksum: bool) -> int:
    return (
        (PENDING if pending else 0)
        | (HAS_CONFIG if has_config else 0)
        | (HAS_CHECKSUM if has_checksum else 0)
    )


def pack(entry: Entry | Cached) -> bytes | None:
    """An ``Entry`` (or ``Cached``) as a fixed-size record; None if it cannot be one
    (no generation, or a checksum that is not an MD5)."""
    if entry.generation is None:
        return None
    config_id: bytes | None
    if isinstance(entry, Cached):
        key, name = entry.key_digest, entry.name_crc
        last_ip, management_ip = entry.last_ip_crc, entry.management_ip_crc
        config_id = entry.config_bytes
    else:
        key, name = digest(entry.key), crc(entry.name)
        last_ip, management_ip = crc(entry.last_ip), crc(entry.management_ip)
        config_id = None if entry.config_id is None else entry.config_id.bytes
    flags = PENDING if entry.pending else 0
    if config_id is not None:
        flags |= HAS_CONFIG
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
        flags |= HAS_CHECKSUM
    return RECORD.pack(
        *entry.generation, flags, config_id, key, name, last_ip, management_ip, checksum
    )


def unpack(raw: bytes) -> Cached:
    glob, slot, flags, config_id, key, name, last_ip, management_ip, checksum = RECORD.unpack_from(
        raw
    )
    return Cached(
        (glob, slot),
        key,
        name,
        last_ip,
        management_ip,
        config_id if flags & HAS_CONFIG else None,
        checksum.hex() if flags & HAS_CHECKSUM else None,
        bool(flags & PENDING),
        flags,
    )


def generation_of(raw: bytes) -> Generation:
    glob, slot = RECORD.unpack_from(raw)[:2]
    return (glob, slot)


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

    def __init__(self, size: int) -> None:
        self.size = size
        self._mask = (1 << self.BITS) - 1
        self.clear()

    def clear(self) -> None:
        self._rows = [b""] * (1 << self.BITS)
        self.count = 0
        self._hand = 0

    def __len__(self) -> int:
        return self.count

    def __contains__(self, device_id_bytes: bytes) -> bool:
        return self.get(device_id_bytes) is not None

    def _index(self, key: bytes) -> int:
        return (key[0] | key[1] << 8) & self._mask

    @staticmethod
    def _find(row: bytes, key: bytes) -> int:
        at = row.find(key)
        while at != -1 and at % _ROW:  # the id's bytes inside another record
            at = row.find(key, at + 1)
        return at

    def get(self, key: bytes) -> bytes | None:
        row = self._rows[self._index(key)]
        at = self._find(row, key)
        return None if at < 0 else row[at + _ID : at + _ROW]

    def put(self, key: bytes, record: bytes) -> None:
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

    def pop(self, key: bytes) -> None:
        index = self._index(key)
        row = self._rows[index]
        at = self._find(row, key)
        if at >= 0:
            self._rows[index] = row[:at] + row[at + _ROW :]
            self.count -= 1

    def _evict(self) -> None:
        for _ in range(len(self._rows)):
            if self.count <= self.size:
                return
            index = self._hand
            self._hand = (index + 1) & self._mask
            row = self._rows[index]
            if row:
                self._rows[index] = row[_ROW:]
                self.count -= 1
