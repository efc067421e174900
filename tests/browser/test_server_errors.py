"""Bad input: the server's error is shown next to the field, in the editor, and
nothing is saved."""

import json

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from .helpers import node, type_in_code_editor, wait_editor

pytestmark = pytest.mark.django_db(transaction=True)


def new_device_with(page, config):
    page.goto(admin_url("device", "add"))
    page.fill("#id_name", "bad-router")
    page.fill("#id_mac_address", "00:11:22:33:44:99")
    wait_editor(page)
    page.click(".netjsonconfig-mode-advanced")
    type_in_code_editor(page, config)
    page.click("input[name=_save]")
    page.locator(".errornote").wait_for()


def test_an_unresolved_variable_is_flagged_on_the_field_that_uses_it(page, shot):
    config = {"interfaces": [{"name": "eth0", "type": "ethernet", "mac": "{{ wan_mac }}"}]}
    new_device_with(page, json.dumps(config))

    errors = page.locator("#id_config-0-config_error").inner_text()
    assert "unresolved variable: wan_mac" in errors
    wait_editor(page)
    field = node(page, "root.interfaces.0.mac")
    assert "netjsonconfig-server-error" in field.get_attribute("class")
    assert "unresolved variable: wan_mac" in field.inner_text()
    shot(page, "12-server-error-on-the-field")
    assert not get_model("device").objects.exists()
    assert page.console.errors == []


def test_a_schema_error_is_shown_on_the_item_it_names(page):
    config = {"interfaces": [{"name": "eth0", "type": "ethernet", "mtu": "big"}]}
    new_device_with(page, json.dumps(config))

    errors = page.locator("#id_config-0-config_error").inner_text()
    assert "interfaces[0]" in errors
    wait_editor(page)
    assert page.locator(".netjsonconfig-server-error").count() >= 1
    assert not get_model("device").objects.exists()


def test_invalid_json_comes_back_in_advanced_mode_with_its_error(page, shot):
    new_device_with(page, '{"interfaces": [')

    assert "Invalid JSON" in page.locator("#id_config-0-config_error").inner_text()
    editor = page.locator("#config-0 .netjsonconfig-editor")
    assert editor.get_attribute("data-mode") == "advanced"
    page.locator(".netjsonconfig-advanced-errors li").first.wait_for()
    assert '{"interfaces": [' in page.locator(".netjsonconfig-code .CodeMirror").inner_text()
    shot(page, "13-invalid-json-kept")
    assert not get_model("device").objects.exists()
