"""The admin of acting on devices: credentials with write-only secrets, the device's
connections inline, the "accept the offered host keys" action.

Named ``test_admin_*``: it also runs against the sample extension."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.test import Client

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.base import sealed

from ..admin_helpers import admin_url, form_data
from ..connection_helpers import credentials
from ..helpers import device_with_config, reload

pytestmark = pytest.mark.django_db

PASSWORD = "admin-ssh-password-42"
KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "b" * 80 + "\n-----END OPENSSH PRIVATE KEY-----"


OLD_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIOldKeyOldKeyOldKeyOldKeyOldKeyOldKey0"
NEW_KEY = "AAAAC3NzaC1lZDI1NTE5AAAAINewKeyNewKeyNewKeyNewKeyNewKeyNewKey0"


def _stored(creds):
    """The parameters as the database row holds them."""
    return get_model("credentials").objects.values_list("params", flat=True).get(pk=creds.pk)


def _add_data(client, **fields):
    data = form_data(client.get(admin_url("credentials", "add")))
    data.update({"name": "lab", "connector": "ssh", "username": "root", "port": "22", **fields})
    return data


def test_adding_credentials_encrypts_the_password(admin_client):
    response = admin_client.post(
        admin_url("credentials", "add"), _add_data(admin_client, password=PASSWORD)
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    creds = get_model("credentials").objects.get(name="lab")
    stored = _stored(creds)
    assert stored["username"] == "root"
    assert sealed.is_sealed(stored["password"])
    assert PASSWORD not in str(stored)
    assert creds.plain_params()["password"] == PASSWORD


def test_the_change_page_never_shows_the_secret_and_blank_keeps_it(admin_client):
    creds = credentials(username="root", password=PASSWORD)
    url = admin_url("credentials", "change", creds.pk)
    page = admin_client.get(url)
    body = page.content.decode()
    assert PASSWORD not in body
    assert _stored(creds)["password"] not in body  # nor its ciphertext
    assert "A value is set." in body
    data = form_data(page)
    assert data["password"] == "" and data["key"] == ""
    data["username"] = "admin"
    response = admin_client.post(url, data)
    assert response.status_code == 302
    creds = reload(creds)
    assert creds.plain_params() == {"username": "admin", "port": 22, "password": PASSWORD}


def test_a_key_replaces_the_password(admin_client):
    creds = credentials(username="root", password=PASSWORD)
    url = admin_url("credentials", "change", creds.pk)
    data = form_data(admin_client.get(url))
    data["key"] = KEY
    assert admin_client.post(url, data).status_code == 302
    plain = reload(creds).plain_params()
    assert plain["key"] == KEY and "password" not in plain
    assert KEY not in str(_stored(creds))


@pytest.mark.parametrize(
    "fields, message",
    [
        ({}, "Give a password or a private key."),
        ({"password": "abc"}, "too short"),
        ({"key": "not a key"}, "too short"),
        ({"password": PASSWORD, "port": "70000"}, "less than or equal to 65535"),
    ],
)
def test_bad_parameters_are_form_errors(admin_client, fields, message):
    response = admin_client.post(admin_url("credentials", "add"), _add_data(admin_client, **fields))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in str(errors)
    assert not get_model("credentials").objects.filter(name="lab").exists()
    if fields.get("password") == "abc":
        assert "abc" not in str(errors)  # a refused password is not quoted back


def _staff(perms):
    user = get_user_model().objects.create_user("viewer", password="viewer-pass-1", is_staff=True)
    model = get_model("credentials")
    content_type = ContentType.objects.get_for_model(model)
    for action in perms:
        user.user_permissions.add(
            Permission.objects.get(content_type=content_type, codename=f"{action}_credentials")
        )
    client = Client()
    client.force_login(user)
    return client


def test_a_view_only_user_sees_masked_parameters():
    creds = credentials(username="root", password=PASSWORD)
    client = _staff(["view"])
    response = client.get(admin_url("credentials", "change", creds.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "password: ********" in body
    assert PASSWORD not in body and _stored(creds)["password"] not in body
    assert client.post(admin_url("credentials", "change", creds.pk), {}).status_code == 403


def test_serialized_credentials_hold_only_ciphertext():
    creds = credentials(username="root", password=PASSWORD)
    creds = get_model("credentials").objects.get(pk=creds.pk)
    creds.params = {"username": "root", "password": PASSWORD}  # as a form would set it
    dumped = serializers.serialize("json", [creds])
    assert PASSWORD not in dumped
    assert "fernet:" in dumped


def test_the_device_page_shows_its_connections_and_accepts_host_keys(admin_client):
    device = device_with_config()
    creds = credentials(username="root", password=PASSWORD)
    connection = get_model("deviceconnection").objects.create(
        device=device,
        credentials=creds,
        update_strategy="openwrt",
        is_working=False,
        failure_reason="host key changed: expected SHA256:a, offered SHA256:b",
        host_key=f"ssh-ed25519 {OLD_KEY}",
        offered_host_key=f"ssh-ed25519 {NEW_KEY}",
    )
    page = admin_client.get(admin_url("device", "change", device.pk)).content.decode()
    assert connection.host_key_fingerprint in page
    assert connection.offered_host_key_fingerprint in page
    assert "host key changed" in page
    assert PASSWORD not in page
    response = admin_client.post(
        admin_url("device", "changelist"),
        {"action": "accept_host_keys", "index": "0", "_selected_action": [str(device.pk)]},
    )
    assert response.status_code == 302
    connection = reload(connection)
    assert connection.host_key.endswith("NewKey0") and connection.offered_host_key == ""
