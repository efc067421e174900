"""Every device endpoint answers a clear 4xx with the controller header, never a 500."""

import uuid

import pytest

from ..helpers import assert_refused, device_with_config, register

pytestmark = pytest.mark.django_db

GET_ENDPOINTS = ["checksum", "download-config"]
POST_ENDPOINTS = ["report-status", "update-info"]


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_get_endpoints_refuse_a_missing_key(device_client, endpoint):
    device = device_with_config()
    response = device_client.get(f"/controller/{endpoint}/{device.pk}/")
    assert_refused(response, 400, 'error: missing required parameter "key"')


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_get_endpoints_refuse_an_empty_key(device_client, endpoint):
    device = device_with_config()
    response = device_client.get(f"/controller/{endpoint}/{device.pk}/", {"key": ""})
    assert_refused(response, 400, 'error: missing required parameter "key"')


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_get_endpoints_refuse_a_wrong_key(device_client, endpoint):
    device = device_with_config()
    response = device_client.get(f"/controller/{endpoint}/{device.pk}/", {"key": "wrong"})
    assert_refused(response, 403, "error: wrong key")


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_post_endpoints_refuse_a_wrong_key(device_client, endpoint):
    device = device_with_config()
    response = device_client.post(
        f"/controller/{endpoint}/{device.pk}/", {"key": "wrong", "status": "applied"}
    )
    assert_refused(response, 403, "error: wrong key")


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS + POST_ENDPOINTS)
def test_an_unknown_device_is_404(device_client, endpoint):
    method = device_client.get if endpoint in GET_ENDPOINTS else device_client.post
    response = method(f"/controller/{endpoint}/{uuid.uuid4()}/", {"key": "k", "status": "applied"})
    assert_refused(response, 404, "error: device not found")


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "1234", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"])
def test_a_malformed_uuid_is_404_with_a_message(device_client, bad_id):
    response = device_client.get(f"/controller/checksum/{bad_id}/", {"key": "k"})
    assert_refused(response, 404, "error: invalid device id")


@pytest.mark.parametrize(
    "method,endpoint",
    [
        ("post", "checksum"),
        ("put", "download-config"),
        ("get", "report-status"),
        ("delete", "update-info"),
    ],
)
def test_a_wrong_method_is_405(device_client, method, endpoint):
    device = device_with_config()
    response = getattr(device_client, method)(f"/controller/{endpoint}/{device.pk}/")
    assert_refused(response, 405, "not allowed")
    assert response["Allow"]


def test_register_with_get_is_405(device_client):
    assert_refused(device_client.get("/controller/register/"), 405, "not allowed")


def test_report_status_refuses_an_unknown_status(device_client):
    device = device_with_config()
    response = device_client.post(
        f"/controller/report-status/{device.pk}/", {"key": device.key, "status": "exploded"}
    )
    assert_refused(response, 403, "error: wrong status")
    device.config.refresh_from_db()
    assert device.config.status == "modified"


def test_report_status_refuses_a_missing_status(device_client):
    device = device_with_config()
    response = device_client.post(f"/controller/report-status/{device.pk}/", {"key": device.key})
    assert_refused(response, 400, 'error: missing required parameter "status"')


@pytest.mark.parametrize("missing", ["secret", "name", "mac_address", "backend"])
def test_register_refuses_a_missing_parameter(device_client, secret, missing):
    response = register(device_client, secret, **{missing: ""})
    assert_refused(response, 400, f'error: missing required parameter "{missing}"')


def test_register_refuses_a_wrong_secret(device_client):
    response = register(device_client, "not-the-secret")
    assert_refused(response, 403, "error: unrecognized secret")


def test_register_refuses_an_unknown_backend(device_client, secret):
    response = register(device_client, secret, backend="netjsonconfig.Nope")
    assert_refused(response, 403, "error: wrong backend")


def test_register_refuses_an_invalid_mac(device_client, secret):
    response = register(device_client, secret, mac_address="00:11:22:33:44")
    assert_refused(response, 400, "error: invalid mac_address")


def test_register_refuses_an_invalid_name(device_client, secret):
    response = register(device_client, secret, name="not a hostname!")
    assert_refused(response, 400, "name")


def test_a_body_that_is_not_utf8_is_400(device_client):
    response = device_client.post(
        "/controller/register/",
        b"secret=\xff\xfe&name=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert_refused(response, 400, "not valid UTF-8")


def test_percent_encoded_invalid_utf8_is_400(device_client):
    response = device_client.post(
        "/controller/register/", b"secret=%ff%fe", content_type="application/x-www-form-urlencoded"
    )
    assert_refused(response, 400, "not valid UTF-8")


def test_a_very_large_body_is_413(device_client, secret):
    response = device_client.post(
        "/controller/register/",
        f"secret={secret}&name={'a' * 200_000}".encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert_refused(response, 413, "too large")


def test_a_nul_character_is_400(device_client, secret):
    response = register(device_client, secret, name="router\x00")
    assert_refused(response, 400, "NUL")


def test_a_failed_registration_writes_nothing(device_client, secret):
    from django_netjsonconfig.apps import get_model

    register(device_client, secret, name="bad name!")
    assert get_model("device").objects.count() == 0
    assert get_model("config").objects.count() == 0


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_an_invalid_management_ip_is_400(device_client, endpoint):
    device = device_with_config()
    response = device_client.get(
        f"/controller/{endpoint}/{device.pk}/", {"key": device.key, "management_ip": "10.0.0"}
    )
    assert_refused(response, 400, "error: invalid management_ip")
    device.refresh_from_db()
    assert device.management_ip is None
