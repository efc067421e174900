"""The poll's common case answered in one call (``PollCache.settled_checksum``): the
same decisions as the full path, which keeps the errors and the bookkeeping."""

import itertools
import random
import uuid

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.controller.generics import hex_id_bytes
from django_netjsonconfig.polling import cache as pollcache

from ..helpers import device_with_config, poll

CONFIG_ID = uuid.UUID(int=99)
CHECKSUM = "0123456789abcdef" * 2


def full_path_decision(cache, device_id, key, last_ip, management_ip):
    """What the full path does with a cached record: answer its checksum, or not
    from the record alone (an error, a read, an address to record)."""
    record = cache.get(device_id)
    if record is None or not record.has_config or not record.usable():
        return None
    if not record.key_matches(key) or record.addresses_differ(last_ip, management_ip):
        return None
    return record.checksum


def test_the_settled_checksum_agrees_with_the_full_path_on_every_case(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=1000)
    keys = ["k3y", "k3y ", "other", "ключ"]
    addresses = [None, "10.0.0.1", "10.0.0.2", "fd00::1"]
    rng = random.Random(5)
    cases = 0
    for config_id, checksum, pending in itertools.product(
        [CONFIG_ID, None], [CHECKSUM, None], [False, True]
    ):
        for last_ip, management_ip in itertools.product(addresses, addresses):
            device_id = uuid.UUID(int=rng.getrandbits(128))
            generation = cache.current_generation(device_id)
            entry = pollcache.Entry(
                generation, "k3y", "ap", last_ip, management_ip, config_id, checksum, pending
            )
            cache.put(device_id, entry)
            for key, poll_last, poll_management in itertools.product(keys, addresses, addresses):
                expected = full_path_decision(cache, device_id, key, poll_last, poll_management)
                got = cache.settled_checksum(device_id.bytes, key, poll_last, poll_management)
                assert got == expected, (entry, key, poll_last, poll_management)
                cases += expected is not None
    assert cases > 0  # the comparison covered answers, not only refusals


def test_a_record_that_is_no_longer_current_settles_nothing(tmp_path):
    cache = pollcache.PollCache(pollcache.FileGeneration(str(tmp_path / "gen")), size=10)
    device_id = uuid.uuid4()
    entry = pollcache.Entry(
        cache.current_generation(device_id), "k", "n", None, None, CONFIG_ID, CHECKSUM, False
    )
    cache.put(device_id, entry)
    assert cache.settled_checksum(device_id.bytes, "k", None, None) == CHECKSUM
    cache.generation.bump(pollcache.slot_of(device_id))  # another process's change
    assert cache.settled_checksum(device_id.bytes, "k", None, None) is None
    cache.put(device_id, entry._replace(generation=cache.current_generation(device_id)))
    cache.generation.bump()  # a change to every device
    assert cache.settled_checksum(device_id.bytes, "k", None, None) is None
    assert cache.settled_checksum(uuid.uuid4().bytes, "k", None, None) is None  # unknown


def test_the_slot_of_an_id_is_the_same_from_its_bytes():
    rng = random.Random(11)
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(2000)]
    ids += [uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID(int=pollcache.SLOTS)]
    for device_id in ids:
        assert pollcache.slot_of_bytes(device_id.bytes) == pollcache.slot_of(device_id)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("00112233445566778899aabbccddeeff", bytes.fromhex("00112233445566778899aabbccddeeff")),
        ("00112233445566778899AABBCCDDEEFF", bytes.fromhex("00112233445566778899aabbccddeeff")),
        ("00112233-4455-6677-8899-aabbccddeeff", None),  # the full path parses it
        ("00112233445566778899aabbccddeefg", None),
        ("0011223344556677 8899aabbccddeef", None),  # fromhex skips spaces
        ("00112233445566778899aabbccddee", None),
        ("", None),
        (uuid.UUID(int=5), None),
    ],
)
def test_only_the_agent_s_own_id_form_is_read_without_parsing(value, expected):
    assert hex_id_bytes(value) == expected


# --- through the endpoint: the settled answer is the full path's answer ------------------------
@pytest.mark.django_db
def test_a_settled_answer_equals_the_full_answer(device_client, django_assert_num_queries):
    device = device_with_config()
    full = poll(device_client, device)  # dashed id: full path
    poll(device_client, device, device.pk.hex)
    with django_assert_num_queries(0):
        settled = poll(device_client, device, device.pk.hex)
    assert settled.status_code == full.status_code == 200
    assert settled.content == full.content == device.config.checksum_db.encode()
    assert sorted(settled.items()) == sorted(full.items())


@pytest.mark.django_db
def test_a_listener_of_checksum_requested_still_hears_every_poll(
    device_client, django_capture_on_commit_callbacks
):
    device = device_with_config()
    poll(device_client, device, device.pk.hex)
    poll(device_client, device, device.pk.hex)
    heard = []

    def listener(sender, instance, request, **kwargs):
        heard.append(instance.pk)

    signals.checksum_requested.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(3):
                assert poll(device_client, device, device.pk.hex).status_code == 200
    finally:
        signals.checksum_requested.disconnect(listener)
    assert heard == [device.pk] * 3


@pytest.mark.django_db
def test_a_poll_from_a_new_address_is_recorded_after_settled_polls(device_client):
    device = device_with_config()
    poll(device_client, device, device.pk.hex)
    poll(device_client, device, device.pk.hex)
    moved = type(device_client)(REMOTE_ADDR="192.168.1.77")
    assert poll(moved, device, device.pk.hex).status_code == 200
    device.refresh_from_db()
    assert device.last_ip == "192.168.1.77"
    assert poll(moved, device, device.pk.hex, management_ip="10.8.0.5").status_code == 200
    device.refresh_from_db()
    assert device.management_ip == "10.8.0.5"


@pytest.mark.django_db
def test_the_errors_keep_their_order_on_a_cached_device(device_client):
    device = device_with_config()
    poll(device_client, device, device.pk.hex)
    poll(device_client, device, device.pk.hex)
    wrong = device_client.get(
        f"/controller/checksum/{device.pk.hex}/", {"key": "wrong", "management_ip": "no"}
    )
    assert (wrong.status_code, wrong.content) == (403, b"error: wrong key")
    bad_ip = poll(device_client, device, device.pk.hex, management_ip="not-an-address")
    assert (bad_ip.status_code, bad_ip.content) == (400, b"error: invalid management_ip")
    missing = device_client.get(f"/controller/checksum/{device.pk.hex}/")
    assert missing.status_code == 400
    other = device_client.get(f"/controller/checksum/{uuid.uuid4().hex}/", {"key": device.key})
    assert other.status_code == 404


@pytest.mark.django_db
def test_a_subclass_that_changes_a_step_of_the_full_path_gets_every_poll():
    from django.test import RequestFactory

    from django_netjsonconfig.controller.generics import BaseChecksumView, Refused

    class Quarantine(BaseChecksumView):
        def poll_entry(self, pk, params):
            raise Refused("error: device in quarantine", 403)

    class Plain(BaseChecksumView):
        model = None

    class OwnSettled(Quarantine):
        def settled_answer(self, request, pk, params):
            return None

    device = device_with_config()
    for _ in range(2):  # the second one from the cache
        plain = Plain.as_view()(
            RequestFactory().get("/", {"key": device.key}, REMOTE_ADDR="10.1.1.1"),
            pk=device.pk.hex,
        )
        assert plain.status_code == 200
    refused = Quarantine.as_view()(
        RequestFactory().get("/", {"key": device.key}, REMOTE_ADDR="10.1.1.1"), pk=device.pk.hex
    )
    assert (refused.status_code, refused.content) == (403, b"error: device in quarantine")
    assert Plain.settled_answer is BaseChecksumView.settled_answer
    assert OwnSettled.settled_answer is not BaseChecksumView.settled_answer
