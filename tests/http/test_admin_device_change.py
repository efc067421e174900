"""Editing a device and its config in the admin: the services do the work once."""

import gzip

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url, device_form_data, errors_of
from ..factories import DeviceFactory, TemplateFactory, make_config
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db

OPENWISP = "netjsonconfig.OpenWisp"


def test_renaming_a_device_in_admin_renders_the_new_hostname_once(
    admin_client, django_capture_on_commit_callbacks
):
    config = make_config(DeviceFactory(name="before"))
    checksum = config.checksum_db
    url, data = device_form_data(admin_client, config.device)
    data["name"] = "after"
    data["config-0-context"] = '{"changed": "too"}'

    with catch_signal(signals.config_modified, django_capture_on_commit_callbacks) as sent:
        response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config.refresh_from_db()
    assert config.checksum_db != checksum
    assert config.context == {"changed": "too"}
    assert sent.one().instance.pk == config.pk
    response = admin_client.get(admin_url("device", "download", config.device.pk))
    assert b"after" in gzip.decompress(response.content)


def test_reordering_templates_in_admin_saves_the_new_order(admin_client):
    first = TemplateFactory(config={"general": {"description": "first"}})
    second = TemplateFactory(config={"general": {"description": "second"}})
    config = make_config(templates=[first, second])
    url, data = device_form_data(admin_client, config.device)
    data["config-0-templates"] = f"{second.pk},{first.pk}"

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    assert list(config.templates.all()) == [second, first]


def test_device_key_is_read_only_once_the_device_exists(admin_client):
    config = make_config()
    key = config.device.key
    url, data = device_form_data(admin_client, config.device)
    assert "key" not in data
    data["key"] = "f" * 32

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config.device.refresh_from_db()
    assert config.device.key == key


def test_device_key_can_be_given_when_adding(admin_client):
    url, data = device_form_data(admin_client)
    data.update({"name": "keyed", "mac_address": "00:11:22:33:44:55", "key": "a" * 32})

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    assert get_model("device").objects.get(name="keyed").key == "a" * 32


def test_changing_the_backend_in_admin_brings_the_new_backend_required_templates(
    admin_client, django_capture_on_commit_callbacks
):
    openwrt_only = TemplateFactory(name="openwrt-only")
    config = make_config(templates=[openwrt_only])
    required = TemplateFactory(name="openwisp-base", backend=OPENWISP, required=True)
    url, data = device_form_data(admin_client, config.device)
    data["config-0-backend"] = OPENWISP
    data["config-0-templates"] = ""

    with catch_signal(signals.config_backend_changed, django_capture_on_commit_callbacks) as sent:
        response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config.refresh_from_db()
    assert config.backend == OPENWISP
    assert list(config.templates.all()) == [required]
    assert sent.one().old_backend == "netjsonconfig.OpenWrt"


def test_changing_the_backend_in_admin_refuses_templates_of_the_old_one(admin_client):
    openwrt_only = TemplateFactory(name="openwrt-only")
    config = make_config(templates=[openwrt_only])
    url, data = device_form_data(admin_client, config.device)
    data["config-0-backend"] = OPENWISP

    response = admin_client.post(url, data)

    assert response.status_code == 200
    inline = response.context["inline_admin_formsets"][0]  # the config (then connections)
    assert "openwrt-only" in inline.formset.forms[0].errors["templates"][0]
    config.refresh_from_db()
    assert config.backend == "netjsonconfig.OpenWrt"
