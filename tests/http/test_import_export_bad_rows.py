"""Bad input in an import: every wrong row is reported with its number and the reason,
and nothing is written, not even the right rows."""

import json

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.io import importexport

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory

pytestmark = pytest.mark.django_db
GOOD = "good-1,00:11:22:33:44:01"


def csv_errors(*rows, header="name,mac_address,templates,group,backend,context"):
    text = "\n".join([header, GOOD, *rows]) + "\n"
    result = importexport.import_devices(text, "csv")
    assert not get_model("device").objects.filter(name="good-1").exists()
    assert result.created == 0
    return [str(error) for error in result.errors]


def test_an_invalid_mac_address_is_reported_with_its_row():
    assert csv_errors("r2,00:11:22:33:44") == ["Row 2, mac_address: Enter a valid MAC address."]


def test_an_unknown_template_is_reported_with_its_row():
    TemplateFactory(name="ntp")
    assert csv_errors('r2,00:11:22:33:44:02,"ntp, nope"') == [
        'Row 2, templates: unknown template "nope"'
    ]


def test_a_name_already_in_use_is_reported_with_its_row():
    DeviceFactory(name="Taken")
    assert csv_errors("taken,00:11:22:33:44:02") == [
        "Row 2: A device with this name already exists."
    ]


def test_a_name_twice_in_the_file_names_both_rows():
    assert csv_errors("r2,00:11:22:33:44:02", "R2,00:11:22:33:44:03") == [
        'Row 3, name: "R2" is also the name of row 2'
    ]


def test_a_mac_address_already_in_use_is_reported_with_its_row():
    DeviceFactory(mac_address="00:11:22:33:44:99")
    assert csv_errors("r2,00-11-22-33-44-99") == [
        "Row 2, mac_address: Device with this MAC address already exists."
    ]


def test_a_mac_address_twice_in_the_file_names_both_rows():
    assert csv_errors("r2,001122334401") == [
        "Row 2, mac_address: 00:11:22:33:44:01 is also the MAC address of row 1"
    ]


def test_a_missing_name_is_reported():
    assert csv_errors(",00:11:22:33:44:02") == ["Row 2, name: is required"]


def test_an_invalid_name_is_reported():
    assert csv_errors("bad name!,00:11:22:33:44:02") == [
        "Row 2, name: Must be either a valid hostname or mac address."
    ]


def test_an_unknown_group_is_reported():
    DeviceGroupFactory(name="office")
    assert csv_errors("r2,00:11:22:33:44:02,,offices") == ['Row 2, group: unknown group "offices"']


def test_an_unknown_backend_is_reported_with_the_known_ones():
    errors = csv_errors("r2,00:11:22:33:44:02,,,netjsonconfig.Nope")
    assert errors[0].startswith('Row 2, backend: unknown backend "netjsonconfig.Nope" (known: ')
    assert "netjsonconfig.OpenWrt" in errors[0]


def test_a_template_of_another_backend_is_reported():
    TemplateFactory(name="fw", backend="netjsonconfig.OpenWisp")
    assert csv_errors("r2,00:11:22:33:44:02,fw,,netjsonconfig.OpenWrt") == [
        'Row 2, templates: template "fw" is for the backend netjsonconfig.OpenWisp, '
        "not netjsonconfig.OpenWrt"
    ]


def test_invalid_json_variables_are_reported():
    assert csv_errors('r2,00:11:22:33:44:02,,,,"{oops}"') == [
        "Row 2, context: invalid JSON: Expecting property name enclosed in double quotes"
    ]


def test_variables_that_are_not_an_object_are_reported():
    assert csv_errors('r2,00:11:22:33:44:02,,,,"[1, 2]"') == [
        "Row 2, context: must be a JSON object, not a list"
    ]


def test_a_configuration_that_cannot_render_is_reported():
    TemplateFactory(name="desc", config={"general": {"description": "{{ nowhere }}"}})
    errors = csv_errors("r2,00:11:22:33:44:02,desc")
    assert len(errors) == 1
    assert errors[0].startswith("Row 2, config: configuration cannot be rendered:")
    assert "nowhere" in errors[0]


def test_several_bad_rows_are_all_reported():
    errors = csv_errors("r2,nope", ",00:11:22:33:44:03", "r4,00:11:22:33:44:04")
    assert errors == [
        "Row 2, mac_address: Enter a valid MAC address.",
        "Row 3, name: is required",
    ]
    assert not get_model("device").objects.exists()


def test_an_unknown_column_is_refused():
    result = importexport.import_devices("name,mac_address,colour\nr1,00:11:22:33:44:55,red\n")
    assert [str(e) for e in result.errors] == [
        "File: Unknown columns: colour (known: name, mac_address, group, model, os, system, "
        "notes, backend, templates, context, config)."
    ]


def test_a_header_without_the_required_columns_is_refused():
    result = importexport.import_devices("name,model\nr1,RB\n")
    assert [str(e) for e in result.errors] == [
        "File: The CSV header lacks the columns: mac_address."
    ]


def test_an_empty_file_is_refused():
    result = importexport.import_devices("name,mac_address\n")
    assert [str(e) for e in result.errors] == ["File: The file holds no devices."]


def test_a_file_that_is_not_utf8_is_refused():
    result = importexport.import_devices(
        "name,mac_address\nr\xe9,00:11:22:33:44:55\n".encode("latin-1")
    )
    assert [str(e) for e in result.errors] == ["File: The file is not UTF-8 text."]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "{oops",
            "File: The file is not valid JSON: Expecting property name enclosed in double "
            "quotes (line 1, column 2).",
        ),
        ('{"name": "r1"}', "File: The JSON file must hold a list of devices."),
        ("[]", "File: The file holds no devices."),
        ('["r1"]', "Row 1: must be an object, not a string"),
        (
            '[{"name": "r1", "mac_address": "00:11:22:33:44:55", "templates": "x"}]',
            'Row 1, templates: unknown template "x"',
        ),
        (
            '[{"name": ["r1"], "mac_address": "00:11:22:33:44:55"}]',
            "Row 1, name: must be text, not a list",
        ),
        (
            '[{"name": "r1", "mac_address": "00:11:22:33:44:55", "templates": [1]}]',
            "Row 1, templates: must be a list of names",
        ),
        (
            '[{"name": "r1", "mac_address": "00:11:22:33:44:55", "config": "[]"}]',
            "Row 1, config: must be a JSON object, not a list",
        ),
    ],
)
def test_bad_json_is_reported(text, message):
    result = importexport.import_devices(text, "json")
    assert [str(e) for e in result.errors] == [message]
    assert not get_model("device").objects.exists()


def test_a_device_of_a_valid_json_file_next_to_a_bad_one_is_not_imported():
    text = json.dumps(
        [
            {"name": "r1", "mac_address": "00:11:22:33:44:55"},
            {"name": "r2", "mac_address": "bad"},
        ]
    )
    result = importexport.import_devices(text, "json")
    assert result.message == "Nothing was imported: 1 error."
    assert not get_model("device").objects.exists()
    assert not get_model("config").objects.exists()
