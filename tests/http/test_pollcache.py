"""The poll cache: no query in the common case, never an old answer after a change."""

import subprocess
import sys
import uuid

import pytest

from django_netjsonconfig.polling import cache as pollcache

from ..helpers import device_with_config, poll

pytestmark = pytest.mark.django_db
CONFIG_ID = uuid.UUID(int=99)
CHECKSUM = "0123456789abcdef" * 2
OLD = "f" * 32


def test_a_repeated_poll_makes_no_database_query(device_client, django_assert_num_queries):
    device = device_with_config()
    poll(device_client, device)  # first poll: reads the row, records the address
    poll(device_client, device)
    with django_assert_num_queries(0):
        response = poll(device_client, device)
    assert response.status_code == 200


def test_a_wrong_key_is_refused_from_the_cache_too(device_client):
    device = device_with_config()
    poll(device_client, device)
    response = device_client.get(f"/controller/checksum/{device.pk}/", {"key": "wrong"})
    assert response.status_code == 403


def test_a_new_key_is_used_at_once(device_client):
    device = device_with_config()
    poll(device_client, device)
    old_key = device.key
    device.key = "a-brand-new-key"
    device.save()
    assert (
        device_client.get(f"/controller/checksum/{device.pk}/", {"key": old_key}).status_code == 403
    )
    assert poll(device_client, device).status_code == 200


def test_a_deleted_device_is_not_answered_from_the_cache(device_client):
    device = device_with_config()
    poll(device_client, device)
    device.delete()
    assert poll(device_client, device).status_code == 404


def test_an_entry_read_before_a_change_is_not_stored(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=10)
    device_id = uuid.uuid4()
    before = cache.current_generation(device_id)
    cache.invalidate_now([device_id])  # a change commits while the row was being read
    stale = pollcache.Entry(before, "k", "n", None, None, CONFIG_ID, OLD, False)
    cache.put(device_id, stale)
    assert cache.get(device_id) is None


def test_a_global_change_voids_every_entry(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=10)
    device_id = uuid.uuid4()
    entry = pollcache.Entry(
        cache.current_generation(device_id), "k", "n", None, None, CONFIG_ID, CHECKSUM, False
    )
    cache.put(device_id, entry)
    assert cache.get(device_id) == pollcache.unpack(pollcache.pack(entry))
    cache.invalidate_now()
    assert cache.get(device_id) is None


def test_another_device_keeps_its_entry_when_one_changes(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=10)
    first, second = uuid.UUID(int=1), uuid.UUID(int=2)
    for device_id in (first, second):
        generation = cache.current_generation(device_id)
        cache.put(
            device_id, pollcache.Entry(generation, "k", "n", None, None, CONFIG_ID, CHECKSUM, False)
        )
    cache.invalidate_now([first])
    assert cache.get(first) is None
    assert cache.get(second) is not None


def test_another_process_sees_a_bump_of_the_shared_file(tmp_path):
    path = str(tmp_path / "gen")
    cache = pollcache.PollCache(pollcache.FileGeneration(path), size=10)
    device_id = uuid.UUID(int=7)
    generation = cache.current_generation(device_id)
    cache.put(
        device_id, pollcache.Entry(generation, "k", "n", None, None, CONFIG_ID, CHECKSUM, False)
    )
    code = (
        "import uuid; from django_netjsonconfig.polling.cache import FileGeneration, slot_of;"
        f"FileGeneration({path!r}).bump(slot_of(uuid.UUID(int=7)))"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert cache.get(device_id) is None


def test_the_cache_is_bounded(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=3)
    ids = [uuid.UUID(int=n) for n in range(5)]
    for device_id in ids:
        generation = cache.current_generation(device_id)
        cache.put(
            device_id, pollcache.Entry(generation, "k", "n", None, None, CONFIG_ID, CHECKSUM, False)
        )
    assert [cache.get(i) is not None for i in ids] == [False, False, True, True, True]


def test_an_entry_survives_packing():
    entry = pollcache.Entry((3, 4), "k3y", "ap-1", "10.0.0.1", None, CONFIG_ID, "c" * 32, True)
    record = pollcache.unpack(pollcache.pack(entry))
    assert record.generation == (3, 4)
    assert (record.config_id, record.checksum, record.pending) == (CONFIG_ID, "c" * 32, True)
    assert record.key_matches("k3y") and not record.key_matches("k3y ")
    assert record.name_is("ap-1") and not record.name_is("ap-2")
    assert not record.addresses_differ("10.0.0.1", None)
    assert not record.addresses_differ(None, None)  # no address known: nothing to record
    assert record.addresses_differ("10.0.0.2", None)
    assert record.addresses_differ("10.0.0.1", "10.9.9.9")
    # a record packs back to itself
    assert pollcache.pack(record) == pollcache.pack(entry)
    empty = pollcache.Entry((0, 0), "k", "00:11:22:33:44:55", None, None, None, None, False)
    record = pollcache.unpack(pollcache.pack(empty))
    assert (record.has_config, record.checksum, record.usable()) == (False, None, False)


def test_a_checksum_that_is_not_an_md5_is_not_cached(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=10)
    device_id = uuid.uuid4()
    generation = cache.current_generation(device_id)
    cache.put(device_id, pollcache.Entry(generation, "k", "n", None, None, CONFIG_ID, "xyz", False))
    assert cache.get(device_id) is None


def test_record_store_finds_only_whole_records():
    store = pollcache.RecordStore(size=100)
    first = bytes(range(16))
    record = bytes(pollcache._RECORD.size)
    # a record whose content holds another id's bytes at an odd offset
    trap = bytes(8) + first + bytes(pollcache._RECORD.size - 24)
    second = first[:2] + bytes(14)  # the same row
    store.put(second, trap)
    assert store.get(first) is None
    store.put(first, record)
    assert store.get(first) == record and store.get(second) == trap
    store.put(first, trap)  # replaced, not added
    assert len(store) == 2 and store.get(first) == trap
    store.pop(second)
    assert store.get(second) is None and store.get(first) == trap and len(store) == 1
