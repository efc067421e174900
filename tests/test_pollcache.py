"""The poll cache: no query in the common case, never an old answer after a change."""

import subprocess
import sys
import uuid

import pytest

from django_netjsonconfig.services import pollcache

from .helpers import device_with_config

pytestmark = pytest.mark.django_db
CONFIG_ID = uuid.UUID(int=99)


def poll(client, device):
    return client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})


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
    stale = pollcache.Entry(before, "k", "n", None, None, CONFIG_ID, "old", False)
    cache.put(device_id, stale)
    assert cache.get(device_id) is None


def test_a_global_change_voids_every_entry(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=10)
    device_id = uuid.uuid4()
    entry = pollcache.Entry(
        cache.current_generation(device_id), "k", "n", None, None, CONFIG_ID, "c", False
    )
    cache.put(device_id, entry)
    assert cache.get(device_id) == entry
    cache.invalidate_now()
    assert cache.get(device_id) is None


def test_another_device_keeps_its_entry_when_one_changes(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=10)
    first, second = uuid.UUID(int=1), uuid.UUID(int=2)
    for device_id in (first, second):
        generation = cache.current_generation(device_id)
        cache.put(
            device_id, pollcache.Entry(generation, "k", "n", None, None, CONFIG_ID, "c", False)
        )
    cache.invalidate_now([first])
    assert cache.get(first) is None
    assert cache.get(second) is not None


def test_another_process_sees_a_bump_of_the_shared_file(tmp_path):
    path = str(tmp_path / "gen")
    cache = pollcache.PollCache(pollcache.FileGeneration(path), size=10)
    device_id = uuid.UUID(int=7)
    generation = cache.current_generation(device_id)
    cache.put(device_id, pollcache.Entry(generation, "k", "n", None, None, CONFIG_ID, "c", False))
    code = (
        "import uuid; from django_netjsonconfig.services.pollcache import FileGeneration, slot_of;"
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
            device_id, pollcache.Entry(generation, "k", "n", None, None, CONFIG_ID, "c", False)
        )
    assert [cache.get(i) is not None for i in ids] == [False, False, True, True, True]


def test_an_entry_survives_packing():
    entry = pollcache.Entry((3, 4), "k3y", "ap-1", "10.0.0.1", None, CONFIG_ID, "c" * 32, True)
    assert pollcache.unpack(pollcache.pack(entry)) == entry
    empty = pollcache.Entry((0, 0), "k", "00:11:22:33:44:55", None, None, None, None, False)
    assert pollcache.unpack(pollcache.pack(empty)) == empty
