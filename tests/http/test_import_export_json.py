"""Devices exported and imported as JSON: a list of objects with the same fields."""

import json

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.io import importexport

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db
OPENWRT = "netjsonconfig.OpenWrt"


def exported():
    return "".join(importexport.export_json(get_model("device").objects.order_by("name")))


def test_export_is_a_list_of_objects_with_json_values():
    group = DeviceGroupFactory(name="office")
    template = TemplateFactory(name="a, b")
    make_config(
        DeviceFactory(name="alpha", mac_address="00:11:22:33:44:01", group=group),
        templates=[template],
        context={"ssid": "guest"},
    )

    data = json.loads(exported())

    assert data == [
        {
            "name": "alpha",
            "mac_address": "00:11:22:33:44:01",
            "group": "office",
            "model": "",
            "os": "",
            "system": "",
            "notes": "",
            "backend": OPENWRT,
            "templates": ["a, b"],
            "context": {"ssid": "guest"},
            "config": {},
        }
    ]


def test_an_empty_list_exports_as_an_empty_json_list():
    assert json.loads(exported()) == []


def test_export_and_import_round_trip():
    template = TemplateFactory(name="desc", config={"general": {"description": "{{ d }}"}})
    make_config(
        DeviceFactory(name="alpha", model="RB", notes="line 1\nline 2"),
        templates=[template],
        context={"d": "x"},
        config={"general": {"timezone": "UTC"}},
    )
    checksum = get_model("config").objects.get().checksum_db
    text = exported()
    get_model("device").objects.all().delete()

    result = importexport.import_devices(text, "json")

    assert result.ok, [str(e) for e in result.errors]
    config = get_model("device").objects.get(name="alpha").config
    assert config.device.notes == "line 1\nline 2"
    assert config.checksum_db == checksum == configs.render(config).checksum


def test_import_takes_templates_as_a_list_and_json_values_as_objects():
    first, second = TemplateFactory(name="first"), TemplateFactory(name="second")
    text = json.dumps(
        [
            {
                "name": "r1",
                "mac_address": "00:11:22:33:44:55",
                "templates": ["second", "first"],
                "context": {"k": "v"},
                "config": {"general": {"timezone": "UTC"}},
            }
        ]
    )

    result = importexport.import_devices(text.encode(), "json")

    assert result.ok, [str(e) for e in result.errors]
    config = get_model("device").objects.get(name="r1").config
    assert list(config.templates.all()) == [second, first]
    assert config.context == {"k": "v"}
