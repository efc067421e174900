"""Templates on the device page: ordered by drag and drop, required and default ones
marked and pre-selected, group templates shown as such, required ones kept."""

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from ..factories import DeviceGroupFactory, TemplateFactory, make_config
from .helpers import wait_editor

pytestmark = pytest.mark.django_db(transaction=True)


def drag(page, source, target):
    """Drag ``source`` above ``target`` with the mouse, as jQuery UI's sortable needs."""
    target.scroll_into_view_if_needed()
    box, goal = source.bounding_box(), target.bounding_box()
    x = box["x"] + 40
    page.mouse.move(x, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] / 2 - 5, steps=3)  # starts the drag
    page.mouse.move(x, goal["y"] + goal["height"] / 4, steps=12)
    page.mouse.move(x, goal["y"] + 1, steps=4)
    page.mouse.up()


def test_templates_are_marked_preselected_and_ordered_by_drag_and_drop(page, shot):
    required = TemplateFactory(name="base", required=True)
    default = TemplateFactory(name="wifi", default=True)
    TemplateFactory(name="extra")
    grouped = TemplateFactory(name="office-vpn")
    group = DeviceGroupFactory(name="office")
    group.templates.set([grouped])

    page.goto(admin_url("device", "add"))
    wait_editor(page)
    items = page.locator("#config-0 .netjsonconfig-templates li")
    base, wifi = items.filter(has_text="base"), items.filter(has_text="wifi")
    assert base.locator(".netjsonconfig-badge-required").is_visible()
    assert wifi.locator(".netjsonconfig-badge-default").is_visible()
    assert base.locator("input").is_checked() and wifi.locator("input").is_checked()
    posted = page.locator("#id_config-0-templates")
    assert posted.input_value() == f"{required.pk},{default.pk}"

    page.select_option("#id_group", str(group.pk))
    office = items.filter(has_text="office-vpn")
    assert "office" in office.locator(".netjsonconfig-badge-group").inner_text()

    drag(page, wifi, base)
    assert posted.input_value() == f"{default.pk},{required.pk}"
    shot(page, "14-templates")

    page.fill("#id_name", "ordered-router")
    page.fill("#id_mac_address", "00:11:22:33:44:aa")
    page.click("input[name=_save]")
    page.wait_for_url("**" + admin_url("device", "changelist"))
    config = get_model("device").objects.get(name="ordered-router").config
    # the required and group templates come in any case; the chosen order is kept
    templates = list(config.templates.all())
    assert templates.index(default) < templates.index(required)
    assert grouped in templates
    assert page.console.errors == []


def test_a_saved_config_keeps_its_required_template_checked(page):
    required = TemplateFactory(name="base", required=True)
    config = make_config()
    assert required in config.templates.all()

    page.goto(admin_url("device", "change", config.device.pk))
    wait_editor(page)
    box = page.locator("#config-0 .netjsonconfig-templates li", has_text="base").locator("input")
    box.click()
    assert box.is_checked()
    assert str(required.pk) in page.locator("#id_config-0-templates").input_value()
