"""Preview renders the posted change form, saved or not, file by file."""

import pytest
from django.contrib.auth import get_user_model

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url, device_form_data
from ..factories import TemplateFactory, make_config

pytestmark = pytest.mark.django_db

INTERFACES = '{"interfaces": [{"name": "eth1", "type": "ethernet"}]}'


def test_preview_of_unsaved_changes_renders_them_and_saves_nothing(admin_client):
    config = make_config()
    checksum = config.checksum_db
    _url, data = device_form_data(admin_client, config.device)
    data["name"] = "renamed-router"
    data["config-0-config"] = INTERFACES

    response = admin_client.post(admin_url("device", "preview", config.device.pk), data)

    assert response.status_code == 200
    files = dict(response.context["files"])
    assert "option hostname 'renamed-router'" in files["/etc/config/system"]
    assert "config interface 'eth1'" in files["/etc/config/network"]
    assert "eth1" in response.content.decode()
    config.refresh_from_db()
    config.device.refresh_from_db()
    assert config.config == {}
    assert config.checksum_db == checksum
    assert config.device.name != "renamed-router"


def test_preview_of_the_add_form_renders_a_device_not_yet_saved(admin_client):
    template = TemplateFactory(
        config={"files": [{"path": "/etc/motd", "mode": "0644", "contents": "hi {{ who }}"}]},
        default_values={"who": "there"},
    )
    _url, data = device_form_data(admin_client)
    data.update(
        {
            "name": "new-router",
            "mac_address": "00:11:22:33:44:55",
            "config-0-templates": str(template.pk),
            "config-0-context": '{"who": "operator"}',
        }
    )

    response = admin_client.post(admin_url("device", "preview_new"), data)

    assert response.status_code == 200
    files = dict(response.context["files"])
    assert files["/etc/motd (mode: 0644)"] == "hi operator\n"
    assert "option hostname 'new-router'" in files["/etc/config/system"]
    assert not get_model("device").objects.exists()


def test_preview_shows_the_validation_error(admin_client):
    config = make_config()
    _url, data = device_form_data(admin_client, config.device)
    data["config-0-config"] = '{"interfaces": [{"name": "eth1"}]}'

    response = admin_client.post(admin_url("device", "preview", config.device.pk), data)

    assert response.status_code == 400
    (message,) = response.context["errors"]
    assert "interfaces[0]" in message
    assert "interfaces[0]" in response.content.decode()


def test_preview_without_configuration_data_says_so(admin_client):
    config = make_config()
    response = admin_client.post(admin_url("device", "preview", config.device.pk), {})
    assert response.status_code == 400
    assert "no configuration" in response.context["errors"][0]


def test_preview_needs_a_post(admin_client):
    config = make_config()
    response = admin_client.get(admin_url("device", "preview", config.device.pk))
    assert response.status_code == 405


def test_preview_of_an_unknown_device_is_not_found(admin_client):
    url = admin_url("device", "preview", "00000000-0000-0000-0000-000000000000")
    assert admin_client.post(url, {}).status_code == 404


def test_preview_needs_a_permission(client):
    config = make_config()
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(staff)
    response = client.post(admin_url("device", "preview", config.device.pk), {})
    assert response.status_code == 403


def test_change_page_has_preview_and_download_buttons(admin_client):
    config = make_config()
    page = admin_client.get(admin_url("device", "change", config.device.pk)).content.decode()
    assert admin_url("device", "preview", config.device.pk) in page
    assert admin_url("device", "download", config.device.pk) in page
    add_page = admin_client.get(admin_url("device", "add")).content.decode()
    assert admin_url("device", "preview_new") in add_page
