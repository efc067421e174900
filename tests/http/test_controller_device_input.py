"""What a device sends, held to what docs/protocol.md says: device ids in the two
documented forms only, keys the agent can send back, addresses stored as the database
gives them back, a clear 4xx for everything else (SQLite and PostgreSQL)."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.polling import cache as pollcache

from ..admin_helpers import device_form_data, errors_of
from ..factories import DeviceFactory, extra_fields, make_config
from ..helpers import assert_refused, device_with_config, register
from ..vpn_helpers import WIREGUARD, make_vpn

pytestmark = pytest.mark.django_db

ID = uuid.UUID("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")


# --- device ids -----------------------------------------------------------------------
ACCEPTED_FORMS = {
    "hex": lambda pk: pk.hex,
    "HEX": lambda pk: pk.hex.upper(),
    "dashed": str,
    "DASHED": lambda pk: str(pk).upper(),
}
REFUSED_FORMS = {
    "urn": lambda pk: pk.urn,
    "braces": lambda pk: "{" + str(pk) + "}",
    "braces-hex": lambda pk: "{" + pk.hex + "}",
    "misplaced dashes": lambda pk: "-".join(pk.hex[i : i + 4] for i in range(0, 32, 4)),
    "leading dash": lambda pk: "-" + pk.hex,
    "other digits": lambda pk: pk.hex.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    "fullwidth": lambda pk: pk.hex.translate(str.maketrans("abcdef", "ａｂｃｄｅｆ")),
    "spaces": lambda pk: " ".join(pk.hex[i : i + 2] for i in range(0, 32, 2)),
    "trailing space": lambda pk: pk.hex + " ",
    "31 digits": lambda pk: pk.hex[:31],
    "33 digits": lambda pk: pk.hex + "0",
    "urn:uuid: prefix only": lambda pk: "uuid:" + pk.hex,
}


@pytest.fixture(params=["cold", "warm"])
def polled(request, device_client):
    """A device polled before (so that the common poll may be settled from the poll
    cache: warm), or not in the cache at all (cold)."""
    device = device_with_config()
    for _poll in range(2):
        assert (
            device_client.get(
                f"/controller/checksum/{device.pk.hex}/", {"key": device.key}
            ).status_code
            == 200
        )
    if request.param == "cold":
        pollcache.get_cache().clear_local()
    return device


GET_ENDPOINTS = ["checksum", "download-config", "device/checksum", "device/download-config"]
POST_ENDPOINTS = ["report-status", "update-info", "device/report-status", "device/update-info"]


@pytest.mark.parametrize("form", ACCEPTED_FORMS)
@pytest.mark.parametrize("endpoint", GET_ENDPOINTS + POST_ENDPOINTS)
def test_the_documented_id_forms_are_accepted(device_client, polled, endpoint, form):
    url = f"/controller/{endpoint}/{ACCEPTED_FORMS[form](polled.pk)}/"
    if endpoint in GET_ENDPOINTS:
        response = device_client.get(url, {"key": polled.key})
    else:
        response = device_client.post(url, {"key": polled.key, "status": "applied"})
    assert response.status_code == 200, response.content
    assert response["X-Openwisp-Controller"] == "true"


@pytest.mark.parametrize("form", REFUSED_FORMS)
@pytest.mark.parametrize("endpoint", GET_ENDPOINTS + POST_ENDPOINTS)
def test_other_id_forms_are_an_invalid_device_id(device_client, polled, endpoint, form):
    url = f"/controller/{endpoint}/{REFUSED_FORMS[form](polled.pk)}/"
    if endpoint in GET_ENDPOINTS:
        response = device_client.get(url, {"key": polled.key})
    else:
        response = device_client.post(url, {"key": polled.key, "status": "applied"})
    assert_refused(response, 404, "error: invalid device id")


@pytest.mark.parametrize("form", ["urn", "braces", "misplaced dashes", "other digits"])
@pytest.mark.parametrize("endpoint", ["checksum", "download-config"])
def test_vpn_endpoints_take_the_same_id_forms(endpoint, form):
    vpn = make_vpn(WIREGUARD)
    client = Client()
    for good in ACCEPTED_FORMS.values():
        response = client.get(f"/controller/vpn/{endpoint}/{good(vpn.pk)}/", {"key": vpn.key})
        assert response.status_code == 200, response.content
    response = client.get(
        f"/controller/vpn/{endpoint}/{REFUSED_FORMS[form](vpn.pk)}/", {"key": vpn.key}
    )
    assert_refused(response, 404, "error: invalid device id")


# --- keys ---------------------------------------------------------------------------------
BAD_KEYS = {
    "NUL": "abc\x00def",
    "non-ASCII": "clé-du-routeur",
    "emoji": "key-\U0001f511",
    "space": "two words",
    "tab": "tab\there",
    "trailing newline": "abcdef\n",
    "control": "bell\x07",
    "over-long": "a" * 65,
    "ampersand": "a&b",
    "plus": "a+b",
    "percent": "a%41b",
    "hash": "a#b",
    "brackets": "a[1]",
    "braces": "a{b}",
    "dot": "a.b",
    "slash": "a/b",
    "lone surrogate": "a\ud800b",
}
GOOD_KEYS = {
    "md5": "0123456789abcdef0123456789abcdef",
    "64": "K" * 64,
    "punctuation": "Az09-_~:@!$*(),;=?'^|<>\"`\\",
    "one": "x",
}


@pytest.mark.parametrize("name", BAD_KEYS)
def test_a_key_the_agent_cannot_send_back_is_refused_by_the_model(name):
    device_model = get_model("device")
    device = device_model(
        **extra_fields(device_model, name="router", mac_address="00:11:22:33:44:55")
    )
    device.key = BAD_KEYS[name]
    with pytest.raises(ValidationError) as refused:
        device.full_clean()
    assert "key" in refused.value.message_dict


@pytest.mark.parametrize("name", GOOD_KEYS)
def test_keys_the_agent_can_send_back_are_accepted(name):
    device_model = get_model("device")
    device = device_model(
        **extra_fields(device_model, name="router", mac_address="00:11:22:33:44:55")
    )
    device.key = GOOD_KEYS[name]
    device.full_clean()


def test_the_key_check_follows_exclude():
    """``update-info`` validates what it changes, not the key (a device stored with an
    old key keeps working while it has one)."""
    device = DeviceFactory()
    device.key = "two words"
    device.full_clean(exclude=["key"])


@pytest.mark.parametrize("name", GOOD_KEYS)
def test_the_agent_sends_every_valid_key_back_as_it_is(name):
    """The agent puts the key in the URL and in the body without encoding it."""
    key = GOOD_KEYS[name]
    device = DeviceFactory(key=key)
    make_config(device)
    client = Client(REMOTE_ADDR="192.168.1.10")
    response = client.generic(
        "GET", f"/controller/checksum/{device.pk.hex}/", QUERY_STRING=f"key={key}"
    )
    assert response.status_code == 200, response.content
    response = client.generic(
        "POST",
        f"/controller/report-status/{device.pk.hex}/",
        f"key={key}&status=applied&".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("name", ["NUL", "non-ASCII", "space", "over-long", "plus", "hash"])
def test_the_admin_refuses_a_key_the_agent_cannot_send_back(admin_client, name):
    url, data = device_form_data(admin_client)
    data.update({"name": "keyed", "mac_address": "00:11:22:33:44:55", "key": BAD_KEYS[name]})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "key" in errors_of(response)
    assert not get_model("device").objects.filter(name="keyed").exists()


@pytest.mark.parametrize("name", ["non-ASCII", "over-long", "percent", "brackets"])
def test_register_refuses_a_key_the_agent_cannot_send_back(device_client, secret, name):
    response = register(device_client, secret, key=BAD_KEYS[name])
    assert_refused(response, 400, "key")
    assert not get_model("device").objects.exists()


# --- addresses -------------------------------------------------------------------------
def test_register_stores_the_management_ip_as_the_database_gives_it_back(device_client, secret):
    response = register(device_client, secret, management_ip=" 2001:DB8:0::1 ")
    assert response.status_code == 201
    assert get_model("device").objects.get().management_ip == "2001:db8::1"


@pytest.mark.parametrize(
    "value", ["fe80::1%eth0", "fe80::1%", "::1.2.3.4", "10.0.0.1/24", "010.0.0.1", "1" * 5000]
)
def test_register_refuses_a_management_ip_the_database_cannot_store(device_client, secret, value):
    response = register(device_client, secret, management_ip=value)
    assert_refused(response, 400, "error: invalid management_ip")
    assert not get_model("device").objects.exists()


@pytest.mark.parametrize("endpoint", ["checksum", "download-config"])
@pytest.mark.parametrize("value", ["fe80::1%eth0", "fe80::1%25eth0", "::1.2.3.4", "::0.1.0.0"])
def test_a_poll_refuses_a_management_ip_the_database_cannot_store(device_client, endpoint, value):
    device = device_with_config()
    response = device_client.get(
        f"/controller/{endpoint}/{device.pk.hex}/", {"key": device.key, "management_ip": value}
    )
    assert_refused(response, 400, "error: invalid management_ip")
    assert get_model("device").objects.get(pk=device.pk).management_ip is None


@pytest.mark.parametrize(
    "reported,stored",
    [
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("::FFFF:10.0.0.1", "::ffff:10.0.0.1"),
        ("::ffff:a00:1", "::ffff:10.0.0.1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("::0.0.1.2", "::102"),
        ("10.0.0.1", "10.0.0.1"),
    ],
)
def test_an_address_is_written_once_however_the_device_writes_it(device_client, reported, stored):
    device = device_with_config()
    url = f"/controller/checksum/{device.pk.hex}/"
    params = {"key": device.key, "management_ip": reported}
    assert device_client.get(url, params).status_code == 200
    assert get_model("device").objects.get(pk=device.pk).management_ip == stored
    for cache in ("cold", "warm"):
        if cache == "cold":
            pollcache.get_cache().clear_local()
        with CaptureQueriesContext(connection) as queries:
            assert device_client.get(url, params).status_code == 200
        writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        assert writes == [], (cache, writes)


@pytest.mark.parametrize(
    "remote,stored",
    [
        ("fe80::1%eth0", "fe80::1"),
        ("2001:DB8::5", "2001:db8::5"),
        ("::ffff:192.168.1.20", "::ffff:192.168.1.20"),
        ("", None),
        ("unix:/run/gunicorn.sock", None),
    ],
)
def test_the_address_a_poll_comes_from_is_recorded_as_an_address(remote, stored):
    device = device_with_config()
    response = Client(REMOTE_ADDR=remote).get(
        f"/controller/checksum/{device.pk.hex}/", {"key": device.key}
    )
    assert response.status_code == 200
    assert get_model("device").objects.get(pk=device.pk).last_ip == stored


# --- names ---------------------------------------------------------------------------------
@pytest.mark.parametrize("length", [65, 50_001, 60_000])
def test_register_refuses_an_over_long_name_with_a_message(device_client, secret, length):
    DeviceFactory(name="existing")
    response = register(device_client, secret, name="a" * length)
    assert_refused(response, 400, "name")
    assert get_model("device").objects.count() == 1


def test_an_existing_device_renamed_to_an_over_long_name_keeps_its_name(device_client, secret):
    register(device_client, secret, name="router-1")
    device = get_model("device").objects.get()
    response = register(device_client, secret, name="%" * 50_000, key=device.key)
    assert_refused(response, 400, "name")
    assert get_model("device").objects.get().name == "router-1"


def test_a_name_taken_whatever_its_case_still_names_a_new_device_after_its_mac(
    device_client, secret
):
    DeviceFactory(name="Router-1")
    response = register(device_client, secret, name="ROUTER-1", mac_address="00:11:22:33:44:99")
    assert response.status_code == 201
    assert get_model("device").objects.get(mac_address="00:11:22:33:44:99").name == (
        "00:11:22:33:44:99"
    )
