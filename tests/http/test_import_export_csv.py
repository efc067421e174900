"""Devices exported and imported as CSV: the columns, the round trip, the dry run."""

import csv
import io

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.io import importexport

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..fleet_helpers import bulk_fleet

pytestmark = pytest.mark.django_db
OPENWRT = "netjsonconfig.OpenWrt"
HEADER = "name,mac_address,group,model,os,system,notes,backend,templates,context,config\n"


def exported(queryset=None):
    queryset = queryset if queryset is not None else get_model("device").objects.order_by("name")
    return "".join(importexport.export_csv(queryset))


@pytest.fixture
def fleet():
    office = DeviceGroupFactory(name="office")
    ntp = TemplateFactory(name="ntp")
    wifi = TemplateFactory(
        name="wifi", config={"general": {"description": "{{ ssid }}"}}, default_values={}
    )
    make_config(
        DeviceFactory(
            name="alpha",
            mac_address="00:11:22:33:44:01",
            group=office,
            model="RB",
            os="7.1",
            system="ARM",
            notes="roof, north",
        ),
        templates=[wifi, ntp],
        context={"ssid": "guest"},
        config={"general": {"timezone": "Europe/Rome"}},
    )
    DeviceFactory(name="bravo", mac_address="00:11:22:33:44:02")  # no configuration
    return office


def test_export_writes_a_header_and_a_row_per_device(fleet):
    rows = list(csv.DictReader(io.StringIO(exported())))

    assert exported().startswith(HEADER)
    assert rows[0] == {
        "name": "alpha",
        "mac_address": "00:11:22:33:44:01",
        "group": "office",
        "model": "RB",
        "os": "7.1",
        "system": "ARM",
        "notes": "roof, north",
        "backend": OPENWRT,
        "templates": "wifi, ntp",
        "context": '{"ssid": "guest"}',
        "config": '{"general": {"timezone": "Europe/Rome"}}',
    }
    assert rows[1]["name"] == "bravo" and rows[1]["backend"] == "" and rows[1]["templates"] == ""


def test_template_names_with_commas_are_exported_as_a_json_list(fleet):
    odd = TemplateFactory(name="a, b")
    config = get_model("config").objects.get(device__name="alpha")
    config.templates.add(odd)

    row = next(csv.DictReader(io.StringIO(exported())))

    assert row["templates"] == '["wifi", "ntp", "a, b"]'


def test_export_and_import_round_trip(fleet):
    text = exported()
    before = get_model("config").objects.get(device__name="alpha")
    get_model("device").objects.all().delete()

    result = importexport.import_devices(text, "csv")

    assert result.ok, [str(e) for e in result.errors]
    assert result.created == 2
    alpha = get_model("device").objects.get(name="alpha")
    assert (alpha.group.name, alpha.model, alpha.os, alpha.notes) == (
        "office",
        "RB",
        "7.1",
        "roof, north",
    )
    config = alpha.config
    assert [t.name for t in config.templates.all()] == ["wifi", "ntp"]
    assert config.context == {"ssid": "guest"} and config.config == before.config
    assert config.checksum_db == configs.render(config).checksum
    bravo = get_model("device").objects.get(name="bravo")
    assert bravo.config.backend == OPENWRT  # the default backend


def test_import_adds_required_and_group_templates_as_for_any_new_device():
    required = TemplateFactory(name="base", required=True)
    group_template = TemplateFactory(name="vlan")
    group = DeviceGroupFactory(name="office")
    group.templates.set([group_template])
    ntp = TemplateFactory(name="ntp")
    text = HEADER + "r1,00:11:22:33:44:55,office,,,,,OpenWRT,ntp,,\n"

    result = importexport.import_devices(text, "csv")

    assert result.ok, [str(e) for e in result.errors]
    config = get_model("device").objects.get(name="r1").config
    assert list(config.templates.all()) == [required, group_template, ntp]


def test_import_accepts_any_mac_notation_and_a_backend_label():
    text = "name,mac_address,backend\nr1,aa-bb-cc-dd-ee-ff,openwrt\n"

    result = importexport.import_devices(text, "csv")

    assert result.ok, [str(e) for e in result.errors]
    device = get_model("device").objects.get(name="r1")
    assert device.mac_address == "AA:BB:CC:DD:EE:FF"
    assert device.config.backend == OPENWRT


def test_a_dry_run_writes_nothing_and_shows_what_it_would_do():
    TemplateFactory(name="base", required=True)
    text = "name,mac_address\nr1,00:11:22:33:44:55\nr2,00:11:22:33:44:56\n"

    result = importexport.import_devices(text, "csv", dry_run=True)

    assert result.ok and result.created == 0 and result.rows == 2
    assert result.message == "Dry run: 2 devices would be imported."
    assert [(p["row"], p["name"], p["templates"]) for p in result.preview] == [
        (1, "r1", ["base"]),
        (2, "r2", ["base"]),
    ]
    assert not get_model("device").objects.exists()
    assert not get_model("config").objects.exists()


def test_export_of_a_thousand_devices_makes_a_few_queries(django_assert_max_num_queries):

    ntp = TemplateFactory(name="ntp")
    bulk_fleet(1000, templates=[ntp], render=False)

    with django_assert_max_num_queries(4):
        lines = exported().splitlines()

    assert len(lines) == 1001
    assert lines[1].endswith(",netjsonconfig.OpenWrt,ntp,,")


def test_each_imported_device_gets_a_version_of_its_own(admin_user):
    from reversion.models import Version

    text = "name,mac_address\nr1,00:11:22:33:44:55\nr2,00:11:22:33:44:56\n"

    importexport.import_devices(text, "csv", user=admin_user)

    for device in get_model("device").objects.all():
        version = Version.objects.get_for_object(device).get()
        assert version.revision.comment == "Imported from a CSV file."
        assert version.revision.user == admin_user
        assert {v.content_type.model for v in version.revision.version_set.all()} == {
            "device",
            "config",
        }


def test_a_dry_run_keeps_no_version():
    from reversion.models import Version

    importexport.import_devices("name,mac_address\nr1,00:11:22:33:44:55\n", dry_run=True)

    assert not Version.objects.exists()
