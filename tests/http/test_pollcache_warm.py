"""Warm-up of the poll cache: a process reads the devices in bulk at its first miss,
so later polls make no query, and a warm-up never makes an answer stale."""

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.controller.generics import BaseChecksumView
from django_netjsonconfig.polling import cache as pollcache

from ..basics import md5
from ..helpers import device_with_config, poll

pytestmark = pytest.mark.django_db(transaction=True)  # the pass reads in its own thread
ADDRESS = "192.168.1.10"


@pytest.fixture
def warm_cache(settings):
    settings.NETJSONCONFIG_POLL_CACHE_WARM = True
    pollcache.reset()
    yield pollcache.get_cache()
    pollcache.get_cache().wait_warm(10)
    pollcache.reset()


def fleet(count):
    devices = [device_with_config() for _ in range(count)]
    # already seen at this address: a poll from it writes nothing
    get_model("device").objects.update(last_ip=ADDRESS)
    return devices


def test_first_miss_loads_every_device(warm_cache, device_client, django_assert_num_queries):
    devices = fleet(12)
    assert poll(device_client, devices[0]).status_code == 200
    warm_cache.wait_warm(10)
    for device in devices[1:]:
        with django_assert_num_queries(0):
            response = poll(device_client, device)
        assert response.content.decode() == device.config.checksum


def test_configs_waiting_for_a_render_are_not_loaded(warm_cache, device_client):
    devices = fleet(3)
    get_model("config").objects.filter(device=devices[2]).update(render_pending=12345)
    poll(device_client, devices[0])
    warm_cache.wait_warm(10)
    assert devices[1].pk.bytes in warm_cache._local
    assert devices[2].pk.bytes not in warm_cache._local


def test_a_change_after_the_warm_up_is_answered(warm_cache, device_client):
    devices = fleet(3)
    poll(device_client, devices[0])
    warm_cache.wait_warm(10)
    config = devices[1].config
    old = config.checksum
    config.config = {"general": {"hostname": "changed-after-warm-up"}}
    config.save()
    checksum = poll(device_client, devices[1]).content.decode()
    assert checksum != old
    download = device_client.get(
        f"/controller/download-config/{devices[1].pk}/", {"key": devices[1].key}
    )
    assert md5(download.content) == checksum


def test_a_chunk_read_before_a_change_keeps_nothing_of_the_changed_device(warm_cache):
    devices = fleet(3)
    view_rows = []

    def load_rows(after, limit):
        if after is not None:
            return []
        rows = [
            (d.pk, d.key, d.name, ADDRESS, None, d.config.pk, d.config.checksum, False)
            for d in devices
        ]
        # a change to the first device commits while the chunk is being read
        warm_cache.invalidate_now([devices[0].pk])
        view_rows.extend(rows)
        return rows

    warm_cache.warmer._pass(load_rows)
    assert len(view_rows) == 3
    assert devices[0].pk.bytes not in warm_cache._local
    assert devices[1].pk.bytes in warm_cache._local
    assert warm_cache.get(devices[1].pk).checksum == devices[1].config.checksum


def test_no_new_pass_until_misses_pile_up(warm_cache, device_client):
    devices = fleet(2)
    poll(device_client, devices[0])
    warm_cache.wait_warm(10)
    assert warm_cache.warmer.ended is not None
    warm_cache.warm(lambda after, limit: pytest.fail("no pass is due"))
    assert warm_cache.warmer.thread is None


def test_off_by_setting(settings, device_client):
    settings.NETJSONCONFIG_POLL_CACHE_WARM = False
    pollcache.reset()
    devices = fleet(2)
    poll(device_client, devices[0])
    cache = pollcache.get_cache()
    assert cache.warmer.thread is None and cache.warmer.ended is None
    assert devices[1].pk.bytes not in cache._local


def test_devices_added_later_are_read_in_bulk_once_misses_pile_up(warm_cache, device_client):
    first = fleet(2)
    poll(device_client, first[0])
    warm_cache.wait_warm(10)
    # a quick pass: the next may start a second later (ten times its duration, at least 1 s)
    assert warm_cache.warmer.spacing == pollcache.WARM_INTERVAL_MIN
    added = fleet(3)[2:]
    assert not any(device.pk.bytes in warm_cache._local for device in added)
    threshold = max(1000, warm_cache.size // 100)
    rows = []

    def load_rows(after, limit):
        batch = BaseChecksumView().warm_rows(after, limit)
        rows.extend(batch)
        return batch

    for _ in range(threshold - 1):
        warm_cache.warm(lambda after, limit: pytest.fail("too few misses for a pass"))
    assert warm_cache.warmer.thread is None
    warm_cache.warmer.ended -= warm_cache.warmer.spacing  # as if the spacing had elapsed
    warm_cache.warm(load_rows)
    warm_cache.wait_warm(10)
    assert len(rows) == 5
    assert all(device.pk.bytes in warm_cache._local for device in added)
    assert warm_cache.get(added[0].pk).checksum == added[0].config.checksum
