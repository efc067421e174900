"""The archive cache: a repeated download makes no query, never serves an old archive."""

import hashlib
import uuid

import pytest

from django_netjsonconfig.devices import configs
from django_netjsonconfig.rendering import archivecache

from ..basics import md5
from ..factories import TemplateFactory
from ..helpers import config_of, device_with_config, polled_checksum

pytestmark = pytest.mark.django_db

ROME = {"general": {"timezone": "Europe/Rome"}}
BERLIN = {"general": {"timezone": "Europe/Berlin"}}


def download(client, device):
    response = client.get(f"/controller/download-config/{device.pk}/", {"key": device.key})
    assert response.status_code == 200
    return response.content


def blob(seed, size):
    """``size`` bytes made from ``seed``, and their MD5."""
    data = (hashlib.sha256(str(seed).encode()).digest() * (size // 32 + 1))[:size]
    return data, md5(data)


# --- through the download endpoint ---------------------------------------------------------
def test_a_repeated_download_makes_no_query_and_gives_the_checksummed_archive(
    device_client, django_assert_num_queries
):
    device = device_with_config(config=ROME)
    expected = polled_checksum(device_client, device)  # the agent polls, then downloads
    first = download(device_client, device)
    with django_assert_num_queries(0):
        second = download(device_client, device)
    assert second == first
    assert md5(second) == expected == config_of(device).checksum_db


def test_a_changed_config_is_downloaded_new_never_from_the_cache(device_client):
    device = device_with_config(config=ROME)
    old_checksum = polled_checksum(device_client, device)
    old_archive = download(device_client, device)
    assert md5(old_archive) == old_checksum

    config = config_of(device)
    config.config = BERLIN
    configs.save(config)

    new_checksum = polled_checksum(device_client, device)
    assert new_checksum != old_checksum
    new_archive = download(device_client, device)
    assert md5(new_archive) == new_checksum
    assert download(device_client, device) == new_archive  # and now that one is cached


def test_a_changed_template_is_downloaded_new_never_from_the_cache(device_client):
    template = TemplateFactory(config=ROME)
    device = device_with_config(templates=[template])
    old_checksum = polled_checksum(device_client, device)
    old_archive = download(device_client, device)
    assert md5(old_archive) == old_checksum

    template.config = BERLIN
    template.save()

    new_archive = download(device_client, device)
    new_checksum = polled_checksum(device_client, device)
    assert new_checksum != old_checksum
    assert md5(new_archive) == new_checksum
    assert md5(download(device_client, device)) == new_checksum


def test_the_cache_holds_the_archive_under_the_config_and_its_checksum(device_client):
    device = device_with_config(config=ROME)
    archive = download(device_client, device)
    config = config_of(device)
    assert archivecache.get_cache().get(config.pk, config.checksum_db) == archive


def test_a_disabled_cache_keeps_nothing_and_reads_the_archive_each_time(
    device_client, settings, django_assert_num_queries
):
    settings.NETJSONCONFIG_ARCHIVE_CACHE_BYTES = 0
    device = device_with_config(config=ROME)
    expected = polled_checksum(device_client, device)
    first = download(device_client, device)
    with django_assert_num_queries(1):  # the archive's row
        second = download(device_client, device)
    assert md5(second) == md5(first) == expected
    cache = archivecache.get_cache()
    assert cache.budget == 0
    assert len(cache) == 0


def test_changing_the_setting_makes_a_new_cache_of_the_new_size(settings):
    archivecache.get_cache().put(uuid.uuid4(), *reversed(blob(1, 100)))
    settings.NETJSONCONFIG_ARCHIVE_CACHE_BYTES = 1600
    cache = archivecache.get_cache()
    assert (cache.budget, cache.item_limit, len(cache)) == (1600, 100, 0)


# --- the cache itself ----------------------------------------------------------------------
def test_bytes_that_do_not_match_their_checksum_are_refused():
    cache = archivecache.ArchiveCache(16_000)
    config_id = uuid.uuid4()
    data, digest = blob(1, 100)
    other, other_digest = blob(2, 100)
    assert not cache.put(config_id, other_digest, data)
    assert not cache.put(config_id, "0" * 32, data)
    assert cache.get(config_id, other_digest) is None
    assert (len(cache), cache.size) == (0, 0)
    assert cache.put(config_id, digest, data)
    assert cache.get(config_id, digest) == data


def test_the_least_recently_used_archives_go_first_when_over_budget():
    cache = archivecache.ArchiveCache(1600)  # items up to 100 bytes
    config_id = uuid.uuid4()
    items = [blob(n, 100) for n in range(20)]
    for data, digest in items[:16]:
        assert cache.put(config_id, digest, data)
    assert cache.size == 1600
    assert cache.get(config_id, items[0][1]) == items[0][0]  # used: now the newest
    for data, digest in items[16:18]:
        assert cache.put(config_id, digest, data)
    assert cache.size <= 1600
    kept = [cache.get(config_id, digest) is not None for _, digest in items[:18]]
    assert kept == [True, False, False] + [True] * 15
    # the reads above made item 0 the least recently used; a small item evicts just it
    small, small_digest = blob("small", 40)
    assert cache.put(config_id, small_digest, small)
    assert cache.size == 1540
    assert cache.get(config_id, items[0][1]) is None
    assert all(cache.get(config_id, digest) is not None for _, digest in items[3:18])


def test_an_archive_over_a_sixteenth_of_the_budget_is_not_kept():
    cache = archivecache.ArchiveCache(1600)
    config_id = uuid.uuid4()
    data, digest = blob(1, 101)
    assert not cache.put(config_id, digest, data)
    assert cache.get(config_id, digest) is None
    assert (len(cache), cache.size) == (0, 0)
    fits, fits_digest = blob(2, 100)
    assert cache.put(config_id, fits_digest, fits)


def test_a_zero_budget_keeps_nothing():
    cache = archivecache.ArchiveCache(0)
    data, digest = blob(1, 10)
    assert not cache.put(uuid.uuid4(), digest, data)
    assert len(cache) == 0


def test_the_same_archive_put_twice_is_counted_once():
    cache = archivecache.ArchiveCache(1600)
    config_id = uuid.uuid4()
    data, digest = blob(1, 100)
    assert cache.put(config_id, digest, data)
    assert cache.put(config_id, digest, memoryview(data))  # as PostgreSQL gives a bytea
    assert (len(cache), cache.size) == (1, 100)
    assert type(cache.get(config_id, digest)) is bytes


def test_archives_are_kept_per_config():
    cache = archivecache.ArchiveCache(1600)
    data, digest = blob(1, 100)
    first, second = uuid.uuid4(), uuid.uuid4()
    cache.put(first, digest, data)
    assert cache.get(second, digest) is None
    cache.clear()
    assert cache.get(first, digest) is None
    assert cache.size == 0


def test_a_renamed_device_downloads_under_its_new_name(device_client):
    device = device_with_config(config={"general": {"hostname": "fixed-hostname"}})
    polled_checksum(device_client, device)
    response = device_client.get(f"/controller/download-config/{device.pk}/", {"key": device.key})
    assert response["Content-Disposition"] == f"attachment; filename={device.name}.tar.gz"
    device.name = "renamed-router"
    device.save()
    response = device_client.get(f"/controller/download-config/{device.pk}/", {"key": device.key})
    assert response["Content-Disposition"] == "attachment; filename=renamed-router.tar.gz"
    assert md5(response.content) == polled_checksum(device_client, device)
