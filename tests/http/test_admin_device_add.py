"""Adding a device in the admin creates its config, with the chosen templates."""

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import device_form_data, errors_of
from ..factories import OPENWRT, DeviceGroupFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def test_add_form_preselects_default_and_required_templates(admin_client):
    default = TemplateFactory(name="defaults", default=True)
    required = TemplateFactory(name="base", required=True, default=True)
    TemplateFactory(name="optional")

    _url, data = device_form_data(admin_client)

    chosen = data["config-0-templates"].split(",")
    assert set(chosen) == {str(default.pk), str(required.pk)}


def test_add_form_marks_required_templates(admin_client):
    TemplateFactory(name="base", required=True)
    url, _data = device_form_data(admin_client)
    page = admin_client.get(url).content.decode()
    assert "base (OpenWRT) [required]" in page


def test_create_device_with_config_and_templates_through_add_form(admin_client):
    first = TemplateFactory(name="first")
    second = TemplateFactory(name="second", config={"general": {"description": "x"}})
    url, data = device_form_data(admin_client)
    data.update(
        {
            "name": "router-1",
            "mac_address": "00:11:22:33:44:55",
            "config-0-backend": OPENWRT,
            "config-0-templates": f"{second.pk},{first.pk}",
            "config-0-config": '{"interfaces": [{"name": "eth0", "type": "ethernet"}]}',
            "config-0-context": '{"ssid": "office"}',
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    device = get_model("device").objects.get(name="router-1")
    config = device.config
    assert list(config.templates.all()) == [second, first]
    assert config.context == {"ssid": "office"}
    assert config.config["interfaces"][0]["name"] == "eth0"
    assert config.status == "modified"
    assert len(config.checksum_db) == 32
    assert len(device.key) == 32


def test_add_form_gives_the_new_config_its_group_and_required_templates(admin_client):
    required = TemplateFactory(name="base", required=True)
    group_template = TemplateFactory(name="lan")
    group = DeviceGroupFactory()
    group.templates.set([group_template])
    url, data = device_form_data(admin_client)
    data.update(
        {
            "name": "router-2",
            "mac_address": "00:11:22:33:44:56",
            "group": str(group.pk),
            "config-0-templates": "",  # the operator unticked everything
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config = get_model("device").objects.get(name="router-2").config
    assert list(config.templates.all()) == [required, group_template]


def test_add_form_accepts_templates_posted_as_separate_checkboxes(admin_client):
    first, second = TemplateFactory(), TemplateFactory()
    url, data = device_form_data(admin_client)
    data.update({"name": "router-3", "mac_address": "00:11:22:33:44:57"})
    data["config-0-templates"] = [str(first.pk), str(second.pk)]

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config = get_model("device").objects.get(name="router-3").config
    assert list(config.templates.all()) == [first, second]
