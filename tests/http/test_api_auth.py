"""Tokens of the REST API: obtained with a password, stored hashed, revocable, rate-limited."""

import pytest
from django.test import override_settings
from knox.models import AuthToken
from rest_framework.test import APIClient

from ..api_helpers import PASSWORD, _no_token_throttle_history, api_url, make_user  # noqa: F401

pytestmark = pytest.mark.django_db
TOKEN = api_url("users/token/")
DEVICES = api_url("controller/device/")


def test_token_with_json_or_form_and_bearer_authenticates():
    user = make_user("view")
    client = APIClient()
    for fmt in ("json", "multipart"):
        response = client.post(TOKEN, {"username": user.username, "password": PASSWORD}, format=fmt)
        assert response.status_code == 200
        token = response.json()["token"]
        assert len(token) == 64
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(DEVICES).status_code == 200


def test_token_stored_hashed_and_revocable():
    user = make_user("view")
    client = APIClient()
    token = client.post(TOKEN, {"username": user.username, "password": PASSWORD}).json()["token"]
    stored = AuthToken.objects.get(user=user)
    assert token not in (stored.digest, stored.token_key)  # only a digest and a prefix
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(DEVICES).status_code == 200
    stored.delete()  # what the admin's "Auth tokens" delete does
    assert client.get(DEVICES).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wrong",
        "Bearer",
        "Bearer a b",
        "Bearer \u00e9\u00e9",
        "Token abc",
        "Bearer " + "f" * 5000,
    ],
)
def test_bad_tokens_are_401_or_ignored(header):
    make_user("view")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get(DEVICES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "data",
    [
        {"username": "api-view", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "api-view"},
        {},
        {"username": ["a"], "password": {"b": 1}},
        {"username": "x" * 1000, "password": PASSWORD},
        {"username": "api-view\u0000", "password": PASSWORD},
    ],
)
def test_bad_credentials_are_400(data):
    make_user("view")
    response = APIClient().post(TOKEN, data, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_inactive_user_gets_no_token():
    user = make_user("view")
    user.is_active = False
    user.save()
    response = APIClient().post(TOKEN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 400


@override_settings(NETJSONCONFIG_API_TOKEN_RATE="3/minute")
def test_token_endpoint_is_rate_limited():
    make_user("view")
    client = APIClient()
    statuses = [
        client.post(TOKEN, {"username": "api-view", "password": f"guess-{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [400, 400, 400, 429, 429]
    # the right password is refused too, until the window passes
    response = client.post(TOKEN, {"username": "api-view", "password": PASSWORD})
    assert response.status_code == 429
    assert "Retry-After" in response


def test_session_authentication_for_the_browsable_api(client):
    user = make_user("view")
    client.force_login(user)
    response = client.get(DEVICES, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"<html" in response.content


def test_an_administrator_revokes_a_token_in_the_admin(client, admin_user):
    user = make_user("view")
    api = APIClient()
    token = api.post(TOKEN, {"username": user.username, "password": PASSWORD}).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get(DEVICES).status_code == 200
    stored = AuthToken.objects.get(user=user)
    client.force_login(admin_user)
    listed = client.get("/admin/knox/authtoken/")
    assert listed.status_code == 200 and token.encode() not in listed.content
    deleted = client.post(f"/admin/knox/authtoken/{stored.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert api.get(DEVICES).status_code == 401
