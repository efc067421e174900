"""An operator creates a template with the schema editor, a device that uses it,
switches to advanced mode and back, previews, saves and sees the status."""

import io
import json
import tarfile

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from .helpers import (
    add_item,
    add_property,
    field,
    field_errors,
    posted_config,
    type_in_code_editor,
    wait_editor,
    wait_posted,
)

pytestmark = pytest.mark.django_db(transaction=True)

DEVICE_CONFIG = {
    "general": {"description": "office router"},
    "interfaces": [{"name": "eth2", "type": "ethernet", "mac": "{{ lan_mac }}"}],
}


def create_template(page, shot):
    page.goto(admin_url("template", "add"))
    page.fill("#id_name", "office-lan")
    page.fill("#id_default_values", '{"lan_mac": "02:00:00:00:00:01"}')
    wait_editor(page)
    add_property(page, "root", "interfaces")
    add_item(page, "root.interfaces")
    field(page, "root.interfaces.0.name").fill("eth1")
    add_property(page, "root.interfaces.0", "mac")
    mac = field(page, "root.interfaces.0.mac")
    mac.fill("{{ lan_mac }}")
    mac.blur()
    # a variable is no MAC address, but it will be one: the editor does not flag it
    assert field_errors(page, "root.interfaces.0.mac") == []
    wait_posted(page, "config", "{{ lan_mac }}")
    assert posted_config(page, "config") == {
        "interfaces": [{"name": "eth1", "type": "ethernet", "mac": "{{ lan_mac }}"}]
    }
    shot(page, "01-template-schema-editor")
    page.click("input[name=_save]")
    page.wait_for_url("**" + admin_url("template", "changelist"))
    shot(page, "02-template-saved")
    template = get_model("template").objects.get(name="office-lan")
    assert template.config["interfaces"][0]["mac"] == "{{ lan_mac }}"
    return template


def test_operator_builds_a_device_configuration_in_the_browser(page, shot):
    template = create_template(page, shot)

    page.goto(admin_url("device", "add"))
    page.fill("#id_name", "office-router")
    page.fill("#id_mac_address", "00:11:22:33:44:55")
    item = page.locator("#config-0 .netjsonconfig-templates li", has_text="office-lan")
    item.locator("input[type=checkbox]").check()
    page.fill("#id_config-0-context", '{"lan_mac": "02:00:00:00:00:02"}')
    wait_editor(page)
    shot(page, "03-device-form")

    # advanced mode: the raw JSON, checked as it is typed
    page.click(".netjsonconfig-mode-advanced")
    type_in_code_editor(page, '{"general": {"description": "office router"')
    status = page.locator(".netjsonconfig-editor-status")
    status.filter(has_text="Problems").wait_for()
    assert "Invalid JSON" in page.locator(".netjsonconfig-advanced-errors").inner_text()
    page.click(".netjsonconfig-mode-form")  # refused while the JSON is broken
    assert page.locator(".netjsonconfig-editor").get_attribute("data-mode") == "advanced"
    shot(page, "04-advanced-mode-invalid")
    type_in_code_editor(page, json.dumps(DEVICE_CONFIG, indent=2))
    status.filter(has_text="Valid").wait_for()
    shot(page, "05-advanced-mode-valid")

    # back to the form: nothing lost
    page.click(".netjsonconfig-mode-form")
    wait_editor(page)
    assert field(page, "root.general.description").input_value() == "office router"
    assert field(page, "root.interfaces.0.mac").input_value() == "{{ lan_mac }}"
    assert posted_config(page, "config-0-config") == DEVICE_CONFIG
    shot(page, "06-back-to-the-form")
    page.evaluate("document.querySelector('#config-0').scrollIntoView()")
    shot(page, "06b-editor", full_page=False)  # the README's picture

    # preview of the unsaved form, file by file, with the variables resolved
    page.click("button.netjsonconfig-preview")
    dialog = page.locator("#netjsonconfig-preview-dialog[data-state=ok]")
    dialog.wait_for()
    text = dialog.inner_text()
    assert "/etc/config/network" in text
    assert "/etc/config/system" in text
    assert "02:00:00:00:00:02" in text  # the device's value of lan_mac
    assert "eth1" in text and "eth2" in text  # the template's interface and the device's
    shot(page, "07-preview", full_page=False)
    with page.expect_download() as download:
        dialog.locator(".netjsonconfig-preview-dialog-download").click()
    with tarfile.open(download.value.path(), mode="r:gz") as archive:
        network = archive.extractfile("etc/config/network").read().decode()
    assert "option macaddr '02:00:00:00:00:02'" in network
    assert download.value.suggested_filename == "office-router.tar.gz"
    dialog.locator(".netjsonconfig-preview-close").click()
    assert not get_model("device").objects.exists()  # a preview saves nothing

    page.click("input[name=_save]")
    page.wait_for_url("**" + admin_url("device", "changelist"))
    row = page.locator("#result_list tr", has_text="office-router")
    assert "modified" in row.inner_text()
    shot(page, "08-device-list")

    device = get_model("device").objects.get(name="office-router")
    page.goto(admin_url("device", "change", device.pk))
    assert "modified" in page.locator(".field-status").first.inner_text()
    shot(page, "09-device-status")
    config = device.config
    assert config.config == DEVICE_CONFIG
    assert list(config.templates.all()) == [template]
    assert config.status == "modified"
    with tarfile.open(fileobj=io.BytesIO(config.archive), mode="r:gz") as archive:
        assert "02:00:00:00:00:02" in archive.extractfile("etc/config/network").read().decode()
    assert page.console.errors == []


def test_switching_backend_switches_the_schema_and_the_templates(page, shot):
    openwrt = get_model("template").objects.create(
        name="openwrt-base", backend="netjsonconfig.OpenWrt", config={}, default=True
    )
    openwisp = get_model("template").objects.create(
        name="openwisp-base", backend="netjsonconfig.OpenWisp", config={}, default=True
    )
    page.goto(admin_url("device", "add"))
    wait_editor(page)
    items = page.locator("#config-0 .netjsonconfig-templates li")
    openwrt_item = items.filter(has_text="openwrt-base")
    openwisp_item = items.filter(has_text="openwisp-base")
    assert openwrt_item.is_visible() and not openwisp_item.is_visible()
    assert openwrt_item.locator("input").is_checked()  # a default template, pre-selected
    assert "tc_options" not in page.inner_text(".netjsonconfig-form-holder")

    page.select_option("#id_config-0-backend", "netjsonconfig.OpenWisp")
    wait_editor(page)
    page.locator('[data-schemapath="root"] > .je-object__controls > button').last.click()
    assert page.locator('[id="root-tc_options"]').count() == 1  # OpenWisp's own section
    assert openwisp_item.is_visible() and not openwrt_item.is_visible()
    assert openwisp_item.locator("input").is_checked()
    assert not openwrt_item.locator("input").is_checked()
    posted = page.eval_on_selector("#id_config-0-templates", "e => e.value")
    assert posted == str(openwisp.pk)
    shot(page, "10-backend-switched")
    assert openwrt.pk != openwisp.pk
    assert page.console.errors == []
