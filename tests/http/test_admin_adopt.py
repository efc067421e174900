"""Adopting a configured device from its page: the refusals and the accept step's
checks (the reading over SSH is tests/integration/test_connection_commands.py's).
Named ``test_admin_*``: it also runs against the sample extension."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import LogEntry

from ..admin_helpers import admin_url
from ..connection_helpers import connected_device, credentials
from ..helpers import config_of, device_with_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def device():
    return connected_device(credentials(username="root", password="adopt-ssh-pass")).device


def test_the_device_page_links_to_it(admin_client, device):
    page = admin_client.get(admin_url("device", "change", device.pk)).content.decode()
    assert admin_url("device", "adopt", device.pk) in page


def test_the_first_step_reads_nothing(admin_client, device):
    page = admin_client.get(admin_url("device", "adopt", device.pk)).content.decode()
    assert 'value="fetch"' in page


def test_a_device_without_connection_is_refused(admin_client):
    device = device_with_config()
    url = admin_url("device", "adopt", device.pk)
    assert "no enabled connection" in admin_client.get(url).content.decode()
    page = admin_client.post(url, {"step": "fetch"}).content.decode()
    assert "the device has no enabled connection" in page


def test_an_unknown_step_is_a_400(admin_client, device):
    response = admin_client.post(admin_url("device", "adopt", device.pk), {"step": "nope"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("own", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (json.dumps({"interfaces": "eth0"}), "is not of type"),
    ],
)
def test_a_bad_configuration_is_not_saved(admin_client, device, own, message):
    before = config_of(device).config
    response = admin_client.post(
        admin_url("device", "adopt", device.pk), {"step": "accept", "own": own}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert config_of(device).config == before


def test_a_hostile_value_is_shown_as_text(admin_client, device):
    hostile = "</textarea><script>alert(1)</script>"
    response = admin_client.post(
        admin_url("device", "adopt", device.pk), {"step": "accept", "own": hostile}
    )
    body = response.content.decode()
    assert hostile not in body and "&lt;/textarea&gt;&lt;script&gt;" in body


def test_accepting_saves_the_configuration(admin_client, device):
    own = {"general": {"hostname": "adopted"}}
    response = admin_client.post(
        admin_url("device", "adopt", device.pk), {"step": "accept", "own": json.dumps(own)}
    )
    assert response.status_code == 302
    assert config_of(device).config == own
    # the admin's log names the change
    entry = LogEntry.objects.get(object_id=str(device.pk))
    assert "Imported the running configuration" in entry.get_change_message()
