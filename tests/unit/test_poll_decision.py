"""The one poll decision (``polling.decision.decide``): its verdicts, their order, and
the same verdict whether the record was read from the database or from the cache."""

import itertools
import uuid

from django_netjsonconfig.polling.decision import Verdict, decide, decide_on
from django_netjsonconfig.polling.generation import FileGeneration, slot_of
from django_netjsonconfig.polling.records import Entry, RecordStore, pack, unpack
from django_netjsonconfig.polling.settled import settled_checksum

CONFIG_ID = uuid.UUID(int=7)
CHECKSUM = "0123456789abcdef" * 2
KEYS = ["k3y", "k3y ", "other", "ключ", ""]
ADDRESSES = [None, "10.0.0.1", "fd00::1"]


def entries():
    for config_id, checksum, pending, last_ip, management_ip in itertools.product(
        [CONFIG_ID, None], [CHECKSUM, None], [False, True], ADDRESSES, ADDRESSES
    ):
        yield Entry((1, 2), "k3y", "ap", last_ip, management_ip, config_id, checksum, pending)


def oracle(entry, key, last_ip, management_ip):
    """The full path's checks, in the protocol's order, on the entry's plain fields."""
    if key != entry.key:
        return Verdict.WRONG_KEY
    if entry.config_id is None:
        return Verdict.NO_CONFIG
    if entry.checksum is None or entry.pending:
        return Verdict.RENDER
    if (last_ip and last_ip != entry.last_ip) or management_ip != entry.management_ip:
        return Verdict.NEW_ADDRESSES
    return Verdict.ANSWER


def test_the_verdict_is_the_protocols_on_an_entry_and_on_its_cached_record():
    checked = set()
    for entry in entries():
        cached = unpack(pack(entry))
        for key, last_ip, management_ip in itertools.product(KEYS, ADDRESSES, ADDRESSES):
            expected = oracle(entry, key, last_ip, management_ip)
            assert decide_on(entry, key, last_ip, management_ip) is expected
            assert decide_on(cached, key, last_ip, management_ip) is expected
            checked.add(expected)
    assert checked == set(Verdict)  # every verdict was reached


def test_without_addresses_a_poll_that_is_otherwise_answerable_is_answered():
    entry = Entry((0, 0), "k", "n", "10.0.0.1", "10.9.9.9", CONFIG_ID, CHECKSUM, False)
    assert decide_on(entry, "k", "10.0.0.2", None) is Verdict.NEW_ADDRESSES
    assert decide_on(entry, "k", "10.0.0.2", None, addresses=False) is Verdict.ANSWER
    assert decide_on(entry, "x", addresses=False) is Verdict.WRONG_KEY


def test_decide_takes_the_record_fields_as_they_are():
    entry = Entry((0, 0), "k", "n", None, None, CONFIG_ID, CHECKSUM, True)
    assert (
        decide(entry.flags, entry.key_digest, entry.last_ip_crc, entry.management_ip_crc, "k")
        is Verdict.RENDER
    )


def test_the_settled_checksum_answers_exactly_when_the_verdict_is_answer(tmp_path):
    generation = FileGeneration(str(tmp_path / "gen"))
    store = RecordStore(100)
    for index, entry in enumerate(entries()):
        device_id = uuid.UUID(int=index + 1)
        entry = entry._replace(generation=generation.current(slot_of(device_id)))
        store.put(device_id.bytes, pack(entry))
        for key, last_ip, management_ip in itertools.product(KEYS, ADDRESSES, ADDRESSES):
            verdict = decide_on(entry, key, last_ip, management_ip)
            got = settled_checksum(generation, store, device_id.bytes, key, last_ip, management_ip)
            assert got == (CHECKSUM if verdict is Verdict.ANSWER else None)


def test_a_later_step_of_the_full_path_may_leave_the_key_out():
    entry = Entry((0, 0), "k", "n", "10.0.0.1", None, CONFIG_ID, CHECKSUM, False)
    assert decide_on(entry, "", "10.0.0.1", None, check_key=False) is Verdict.ANSWER
    assert decide_on(entry, "", "10.0.0.2", None, check_key=False) is Verdict.NEW_ADDRESSES
    assert decide_on(entry, "", "10.0.0.1", None) is Verdict.WRONG_KEY
