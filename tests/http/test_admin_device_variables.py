"""The device page lists the variables that apply, with their value and source."""

import re

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..admin_helpers import admin_url
from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db


def variable_rows(page):
    """``{name: (value, source)}`` parsed from the variables table."""
    rows = {}
    pattern = re.compile(
        r"<tr>\s*<td><code>(?P<name>[^<]+)</code></td>\s*<td><code>(?P<value>[^<]*)</code></td>"
        r"\s*<td class=\"netjsonconfig-source\">(?P<source>[^<]+)</td>"
    )
    for match in pattern.finditer(page):
        rows[match["name"]] = (match["value"], match["source"].replace("&quot;", '"'))
    return rows


def test_device_page_lists_variables_with_their_sources(admin_client, settings):
    settings.NETJSONCONFIG_CONTEXT = {"ntp": "pool.ntp.org", "site": "global-site"}
    template = TemplateFactory(name="wifi", default_values={"ssid": "guest", "site": "tpl"})
    group = DeviceGroupFactory(name="office", context={"site": "hq"})
    device = DeviceFactory(name="router-9", group=group)
    make_config(device, templates=[template], context={"ssid": "staff"})

    page = admin_client.get(admin_url("device", "change", device.pk)).content.decode()
    rows = variable_rows(page)

    assert rows["ssid"] == ("staff", "device variables")
    assert rows["site"] == ("hq", 'group "office"')
    assert rows["ntp"] == ("pool.ntp.org", "global variables (NETJSONCONFIG_CONTEXT)")
    assert rows["name"] == ("router-9", "predefined")
    assert rows["mac_address"][1] == "predefined"


def test_device_page_flags_unresolved_variables_and_shows_the_error_reason(admin_client):
    config = make_config()
    get_model("config").objects.filter(pk=config.pk).update(
        config={"general": {"description": "{{ building }}"}}
    )
    config.refresh_from_db()
    configs.refresh(config)
    assert config.status == "error"

    page = admin_client.get(admin_url("device", "change", config.device.pk)).content.decode()

    assert "Unresolved variables" in page
    assert '<code class="netjsonconfig-unresolved">building</code>' in page
    assert "configuration cannot be rendered: unresolved variable: building" in page
