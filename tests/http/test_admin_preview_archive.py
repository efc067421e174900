"""The archive of what is in the form now, saved or not: what the device would get."""

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url, device_form_data, form_data
from ..factories import TemplateFactory, make_config
from ..helpers import archive_files

pytestmark = pytest.mark.django_db


def files_of(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/gzip"
    return archive_files(response.content)


def test_archive_of_an_unsaved_device_form(admin_client):
    template = TemplateFactory(
        config={"files": [{"path": "/etc/motd", "mode": "0644", "contents": "hi {{ who }}"}]},
        default_values={"who": "there"},
    )
    _url, data = device_form_data(admin_client)
    data.update(
        {
            "name": "draft-router",
            "mac_address": "00:11:22:33:44:77",
            "config-0-templates": str(template.pk),
            "config-0-context": '{"who": "operator"}',
        }
    )

    response = admin_client.post(admin_url("device", "preview_new") + "?download=1", data)

    files = files_of(response)
    assert files["etc/motd"] == "hi operator"
    assert "option hostname 'draft-router'" in files["etc/config/system"]
    assert 'filename="draft-router.tar.gz"' in response["Content-Disposition"]
    assert not get_model("device").objects.exists()


def test_archive_of_unsaved_changes_leaves_the_saved_config_alone(admin_client):
    config = make_config()
    checksum = config.checksum_db
    _url, data = device_form_data(admin_client, config.device)
    data["config-0-config"] = '{"interfaces": [{"name": "eth1", "type": "ethernet"}]}'

    response = admin_client.post(
        admin_url("device", "preview", config.device.pk) + "?download=1", data
    )

    assert "config interface 'eth1'" in files_of(response)["etc/config/network"]
    config.refresh_from_db()
    assert config.checksum_db == checksum
    assert config.config == {}


def test_archive_of_an_invalid_form_shows_the_errors_instead(admin_client):
    config = make_config()
    _url, data = device_form_data(admin_client, config.device)
    data["config-0-config"] = '{"interfaces": [{"name": "eth1"}]}'

    response = admin_client.post(
        admin_url("device", "preview", config.device.pk) + "?download=1", data
    )

    assert response.status_code == 400
    assert "interfaces[0]" in response.context["errors"][0]


def test_archive_of_an_unsaved_template(admin_client):
    response = admin_client.get(admin_url("template", "add"))
    assert admin_url("template", "preview_new") in response.content.decode()
    data = form_data(response)
    data.update(
        {
            "name": "motd",
            "config": '{"files": [{"path": "/etc/motd", "mode": "0644", "contents": "{{ x }}"}]}',
            "default_values": '{"x": "hello"}',
        }
    )

    response = admin_client.post(admin_url("template", "preview_new") + "?download=1", data)

    assert files_of(response)["etc/motd"] == "hello"
    assert 'filename="motd.tar.gz"' in response["Content-Disposition"]
    assert not get_model("template").objects.exists()
