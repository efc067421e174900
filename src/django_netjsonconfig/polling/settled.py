"""The settled answer: a checksum poll answered from this process's record alone.

A poll's common case in one call, on the record's packed fields, without building
an entry: the same verdict as the full path (``polling.decision.decide``), taken
only when it is ``ANSWER``. ``tests`` compare it with the full path's methods on
every combination of record and poll.
"""

from .decision import ANSWER, decide
from .generation import GenerationSource, slot_of_bytes
from .records import RECORD, RecordStore


def settled_checksum(
    generation: GenerationSource,
    store: RecordStore,
    id_bytes: bytes,
    key: str,
    last_ip: str | None,
    management_ip: str | None,
) -> str | None:
    """The checksum a poll gets, when the record of device ``id_bytes`` in ``store``
    settles the poll alone: the record is current, the device has a rendered
    configuration that waits for no re-render, ``key`` is the device's key (compared
    in constant time) and the addresses are the recorded ones (``last_ip`` None:
    unknown). Otherwise None, and the caller takes the full path, which gives the
    errors and records the addresses."""
    current = generation.current(slot_of_bytes(id_bytes))
    raw = store.get(id_bytes)
    if raw is None or current is None:
        return None
    glob, slot, flags, _config, key_digest, _name, last_ip_crc, management_ip_crc, checksum = (
        RECORD.unpack_from(raw)
    )
    if (glob, slot) != current or (
        decide(flags, key_digest, last_ip_crc, management_ip_crc, key, last_ip, management_ip)
        is not ANSWER
    ):
        return None
    return checksum.hex()
