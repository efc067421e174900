"""Commands from the device page: the form generated from the command type's schema,
refusals (a bad input, an unknown type, a device without connection, a user who may
only view), the history (paginated, filtered) and the status view of a command.

The commands are created but not run here (on-commit callbacks are not executed in
these tests): running them over SSH is tests/integration/test_connection_commands.py's.
Named ``test_admin_*``: it also runs against the sample extension."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from ..connection_helpers import connected_device, credentials
from ..helpers import device_with_config

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def device():
    return connected_device(credentials(username="root", password="cmd-ssh-pass")).device


def _viewer():
    user = get_user_model().objects.create_user("cmd-viewer", password="x-1234-y", is_staff=True)
    model = get_model("device")
    user.user_permissions.add(
        Permission.objects.get(
            content_type=ContentType.objects.get_for_model(model),
            codename=f"view_{model._meta.model_name}",
        )
    )
    client = Client()
    client.force_login(user)
    return client


def _commands(device):
    return list(get_model("command").objects.filter(device=device))


def test_the_device_page_links_to_its_commands(admin_client, device):
    page = admin_client.get(admin_url("device", "change", device.pk))
    assert admin_url("device", "commands", device.pk) in page.content.decode()


def test_the_form_has_the_fields_of_the_chosen_type(admin_client, device):
    url = admin_url("device", "commands", device.pk)
    body = admin_client.get(url, {"type": "change_password"}).content.decode()
    assert 'name="password"' in body and 'type="password"' in body
    assert 'name="confirm_password"' in body and 'name="user"' in body
    body = admin_client.get(url, {"type": "custom"}).content.decode()
    assert '<textarea name="command"' in body
    body = admin_client.get(url, {"type": "reboot"}).content.decode()
    assert "This command has no parameters." in body


def test_a_command_sent_goes_to_its_page(admin_client, device):
    url = admin_url("device", "commands", device.pk)
    response = admin_client.post(url, {"type": "custom", "command": "uptime"})
    (command,) = _commands(device)
    assert response.status_code == 302
    assert response["Location"] == admin_url("device", "command", device.pk, command.pk)
    assert command.input == {"command": "uptime"} and command.status == "in-progress"
    page = admin_client.get(response["Location"])
    assert "js/command-output.js" in page.content.decode()
    status = admin_client.get(admin_url("device", "command_status", device.pk, command.pk))
    assert status.json()["status"] == "in-progress" and status.json()["finished"] is False


def test_reboot_has_no_input(admin_client, device):
    url = admin_url("device", "commands", device.pk)
    assert admin_client.post(url, {"type": "reboot"}).status_code == 302
    (command,) = _commands(device)
    assert command.type == "reboot" and command.input is None


def test_a_password_is_stored_sealed_and_never_shown(admin_client, device):
    url = admin_url("device", "commands", device.pk)
    data = {"type": "change_password", "password": "n3w-secret", "confirm_password": "n3w-secret"}
    response = admin_client.post(url, data)
    assert response.status_code == 302
    (command,) = _commands(device)
    assert "n3w-secret" not in json.dumps(command.input)
    for page in (admin_client.get(url), admin_client.get(response["Location"])):
        body = page.content.decode()
        assert "n3w-secret" not in body and command.input["password"] not in body
        assert "********" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"type": "custom", "command": "   "}, "does not match"),
        ({"type": "custom"}, "This field is required."),
        (
            {"type": "change_password", "password": "abc", "confirm_password": "abc"},
            "too short",
        ),
        (
            {"type": "change_password", "password": "abcdefg", "confirm_password": "abcdefh"},
            "the two passwords differ",
        ),
        (
            {
                "type": "change_password",
                "password": "abcdefg",
                "confirm_password": "abcdefg",
                "user": "Bad User;",
            },
            "not a valid value",
        ),
    ],
)
def test_a_bad_input_is_refused_with_a_message(admin_client, device, data, message):
    response = admin_client.post(admin_url("device", "commands", device.pk), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "abcdefg" not in response.content.decode()
    assert _commands(device) == []


def test_an_unknown_type_is_a_400(admin_client, device):
    response = admin_client.post(admin_url("device", "commands", device.pk), {"type": "nope"})
    assert response.status_code == 400 and b"Unknown command type" in response.content
    assert _commands(device) == []


def test_a_device_without_connection_is_refused(admin_client):
    device = device_with_config()
    url = admin_url("device", "commands", device.pk)
    assert "no enabled connection" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"type": "custom", "command": "uptime"})
    assert response.status_code == 200
    assert "the device has no enabled connection" in response.content.decode()
    assert _commands(device) == []


def test_a_viewer_sees_the_history_but_may_not_send(device):
    command = get_model("command").objects.create(
        device=device,
        type="custom",
        input={"command": HOSTILE},
        status="failed",
        output=HOSTILE,
        exit_code=1,
    )
    client = _viewer()
    url = admin_url("device", "commands", device.pk)
    body = client.get(url).content.decode()
    assert "Send a command" not in body and 'name="password"' not in body
    assert HOSTILE not in body and "&lt;script&gt;" in body
    assert client.post(url, {"type": "reboot"}).status_code == 403
    assert client.post(url, {"type": "nope"}).status_code == 403
    page = client.get(admin_url("device", "command", device.pk, command.pk)).content.decode()
    assert HOSTILE not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    status = client.get(admin_url("device", "command_status", device.pk, command.pk))
    assert status.json()["output"] == HOSTILE  # JSON: the script sets it as text
    assert status["Content-Type"] == "application/json"
    assert len(_commands(device)) == 1


def test_a_command_of_another_device_is_not_found(admin_client, device):
    other = connected_device(credentials("other", username="root", password="cmd-ssh-pass"))
    command = get_model("command").objects.create(device=other.device, type="reboot")
    url = admin_url("device", "command_status", device.pk, command.pk)
    assert admin_client.get(url).status_code == 404


def test_the_history_is_paginated_newest_first_and_filtered(admin_client, device):
    model = get_model("command")
    for number in range(30):
        model.objects.create(
            device=device,
            type="custom",
            input={"command": f"echo {number:02d}"},
            status="success" if number % 2 else "failed",
        )
    model.objects.create(device=device, type="reboot", status="success")
    url = admin_url("device", "commands", device.pk)
    first = admin_client.get(url).content.decode()
    assert "page 1 of 2 (31 commands)" in first
    second = admin_client.get(url, {"p": 2}).content.decode()
    assert "echo 00" in second and "echo 00" not in first
    assert first.index("Reboot</td>") < first.index("echo 29")
    failed = admin_client.get(url, {"status": "failed"}).content.decode()
    assert "echo 28" in failed and "echo 29" not in failed
    reboots = admin_client.get(url, {"kind": "reboot"}).content.decode()
    assert "echo" not in reboots.split("History")[1] and "Reboot</td>" in reboots
