"""The config fields are edited through the backend's JSON-schema editor, with a plain
JSON text box when the editor's browser libraries are not installed."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.base.admin import fields

from ..admin_helpers import admin_url, device_form_data
from ..factories import DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db

OPENWISP = "netjsonconfig.OpenWisp"


def attributes(page, selector_attr, value):
    """The attributes of the first tag whose ``selector_attr`` is ``value``."""
    match = re.search(rf'<[a-z]+[^>]*\b{selector_attr}="{re.escape(value)}"[^>]*>', page)
    assert match, f'no tag with {selector_attr}="{value}"'
    return {k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', match.group(0))}


@pytest.fixture
def assets(monkeypatch):
    """Pretend ``make assets`` ran, whatever this machine has."""
    monkeypatch.setattr(fields, "editor_assets_installed", lambda: True)


def test_device_config_is_edited_with_the_schema_of_the_backend_in_the_form(admin_client, assets):
    page = admin_client.get(admin_url("device", "add")).content.decode()
    attrs = attributes(page, "name", "config-0-config")
    assert attrs["data-netjsonconfig-editor"] == "schema"
    assert attrs["data-schema-url"] == reverse("netjsonconfig:schema")
    assert attrs["data-backend-field"] == "config-0-backend"
    assert "django_netjsonconfig/vendor/jsoneditor.js" in page
    assert "django_netjsonconfig/js/config-editor.js" in page
    assert "django_netjsonconfig/js/preview.js" in page


def test_template_config_follows_the_template_backend(admin_client, assets):
    page = admin_client.get(admin_url("template", "add")).content.decode()
    attrs = attributes(page, "name", "config")
    assert attrs["data-backend-field"] == "backend"
    # the variables stay a plain JSON box
    assert "data-netjsonconfig-editor" not in attributes(page, "name", "default_values")


def test_without_the_assets_the_config_is_a_json_text_box_and_saves(admin_client, monkeypatch):
    monkeypatch.setattr(fields, "editor_assets_installed", lambda: False)
    url, data = device_form_data(admin_client)
    page = admin_client.get(url).content.decode()
    assert "data-netjsonconfig-editor" not in attributes(page, "name", "config-0-config")
    assert "vendor/jsoneditor.js" not in page
    data.update(
        {
            "name": "plain-router",
            "mac_address": "00:11:22:33:44:66",
            "config-0-config": '{"general": {"timezone": "Europe/Rome"}}',
        }
    )
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert get_model("config").objects.get().config == {"general": {"timezone": "Europe/Rome"}}


def test_the_asset_check_looks_for_the_copied_libraries(monkeypatch):
    fields.editor_assets_installed.cache_clear()
    monkeypatch.setattr(fields.finders, "find", lambda path: None)
    try:
        assert fields.editor_assets_installed() is False
    finally:
        fields.editor_assets_installed.cache_clear()


def test_schema_json_serves_the_schema_of_every_backend_to_staff(admin_client, client):
    response = admin_client.get(reverse("netjsonconfig:schema"))
    assert response.status_code == 200
    schemas = response.json()
    assert set(schemas) >= {"netjsonconfig.OpenWrt", OPENWISP}
    assert "interfaces" in schemas["netjsonconfig.OpenWrt"]["properties"]
    assert "definitions" in schemas["netjsonconfig.OpenWrt"]
    assert client.get(reverse("netjsonconfig:schema")).status_code == 302  # to the login


def test_templates_widget_tells_backend_flags_and_group_templates(admin_client):
    required = TemplateFactory(name="base", required=True)
    default = TemplateFactory(name="wifi", default=True)
    other = TemplateFactory(name="openwisp-only", backend=OPENWISP)
    grouped = TemplateFactory(name="office")
    group = DeviceGroupFactory(name="office")
    group.templates.set([grouped])

    page = admin_client.get(admin_url("device", "add")).content.decode()

    attrs = attributes(page, "class", "netjsonconfig-templates")
    info = json.loads(attrs["data-templates"])
    assert info[str(required.pk)]["required"] is True
    assert info[str(default.pk)]["default"] is True
    assert info[str(other.pk)]["backend"] == OPENWISP
    assert json.loads(attrs["data-group-templates"]) == {str(group.pk): [str(grouped.pk)]}
    assert attrs["data-backend-field"] == "config-0-backend"
    assert attrs["data-group-field"] == "group"
    assert attrs["data-lock-required"] == ""  # a new config may drop a default one
    assert "django_netjsonconfig/js/templates.js" in page


def test_a_saved_config_keeps_its_required_templates_in_the_widget(admin_client):
    TemplateFactory(name="base", required=True)
    group = DeviceGroupFactory(name="lab")
    config = make_config()
    config.device.group = group
    config.device.save()

    page = admin_client.get(admin_url("device", "change", config.device.pk)).content.decode()

    attrs = attributes(page, "class", "netjsonconfig-templates")
    assert attrs["data-lock-required"] == "1"
    assert attrs["data-current-group"] == str(group.pk)
