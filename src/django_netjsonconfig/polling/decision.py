"""The poll decision: what a device's record says about one poll.

One function, :func:`decide`, for both ways a poll is answered: the full path of
the controller views (which turns each verdict into its error, its render or its
address bookkeeping, in the protocol's order) and the settled path
(``polling.settled``), which answers only when the verdict is ``ANSWER``. The
verdicts come in the order the full path checks them: a wrong key before a
missing configuration, before a render, before new addresses.
"""

import enum
import hmac

from .records import ANSWERABLE, HAS_CHECKSUM, HAS_CONFIG, PENDING, Decidable, crc, digest


class Verdict(enum.Enum):
    ANSWER = "answer"  # the record's checksum is the answer, nothing to record
    WRONG_KEY = "wrong key"  # 403
    NO_CONFIG = "no config"  # 404
    RENDER = "render"  # not rendered yet, or a re-render pending: render first
    NEW_ADDRESSES = "new addresses"  # answer, after recording the poll's addresses


# the members as module constants: an enum member read from its class costs a lookup
# (about 75 ns) that the poll path would pay several times per poll
ANSWER = Verdict.ANSWER
WRONG_KEY = Verdict.WRONG_KEY
NO_CONFIG = Verdict.NO_CONFIG
RENDER = Verdict.RENDER
NEW_ADDRESSES = Verdict.NEW_ADDRESSES


def decide(
    flags: int,
    key_digest: bytes,
    last_ip_crc: int,
    management_ip_crc: int,
    key: str,
    last_ip: str | None = None,
    management_ip: str | None = None,
    *,
    addresses: bool = True,
    check_key: bool = True,
) -> Verdict:
    """The verdict on a poll with ``key`` from ``last_ip`` (None: unknown) reporting
    ``management_ip``, for a record with these fields (see ``records.Decidable``).
    The key is compared in constant time. ``addresses=False``: the addresses are not
    looked at (the full path checks them later, after parsing them);
    ``check_key=False``: the key is not looked at (the full path's step after the
    one that checked it)."""
    if check_key and not hmac.compare_digest(digest(key), key_digest):
        return WRONG_KEY
    if flags != ANSWERABLE:
        if not flags & HAS_CONFIG:
            return NO_CONFIG
        if flags & PENDING or not flags & HAS_CHECKSUM:
            return RENDER
    if addresses and (
        (last_ip and crc(last_ip) != last_ip_crc) or crc(management_ip) != management_ip_crc
    ):
        return NEW_ADDRESSES
    return ANSWER


def decide_on(
    record: Decidable,
    key: str,
    last_ip: str | None = None,
    management_ip: str | None = None,
    *,
    addresses: bool = True,
    check_key: bool = True,
) -> Verdict:
    """:func:`decide` on a record's fields (an ``Entry`` or a ``Cached``)."""
    return decide(
        record.flags,
        record.key_digest,
        record.last_ip_crc,
        record.management_ip_crc,
        key,
        last_ip,
        management_ip,
        addresses=addresses,
        check_key=check_key,
    )
