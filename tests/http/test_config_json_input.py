"""Hostile JSON and CSV in import files and in the admin's JSON fields: each case is a
clear error (a row or file error of the import, a validation error of the form),
nothing is written, nothing reaches the database to fail there (SQLite and
PostgreSQL: these suites run on both)."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from django_netjsonconfig import strictjson
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.io import importexport

from ..admin_helpers import admin_url, device_form_data, errors_of, form_data
from ..factories import DeviceGroupFactory, TemplateFactory

pytestmark = pytest.mark.django_db

#: JSON text that Python's json module reads (or fails on with something else than a
#: JSONDecodeError) and no database stores: (text, words of the message)
HOSTILE_JSON = {
    "NaN": ('{"a": NaN}', "NaN is not a JSON number"),
    "Infinity": ('{"a": Infinity}', "Infinity is not a JSON number"),
    "-Infinity": ('{"a": -Infinity}', "-Infinity is not a JSON number"),
    "out of range": ('{"a": 1e999}', "out of range"),
    "5000 digits": ('{"a": ' + "9" * 5000 + "}", "5000 digits"),
    "negative 5000 digits": ('{"a": -' + "9" * 5000 + "}", "5000 digits"),
    "nested 100000": ('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than"),
    "nested 65": ('{"a": ' + "[" * 65 + "]" * 65 + "}", "nested more than"),
    "lone surrogate": ('{"a": "x\\ud800y"}', "lone surrogate"),
    "lone low surrogate": ('{"a": "\\udc00"}', "lone surrogate"),
    "surrogate key": ('{"\\ud83d": 1}', "lone surrogate"),
    "NUL": ('{"a": "x\\u0000y"}', "NUL"),
    "NUL key": ('{"a\\u0000": 1}', "NUL"),
    "NUL deep": ('{"a": [{"b": ["\\u0000"]}]}', "NUL"),
}
HOSTILE_IDS = list(HOSTILE_JSON)


def test_strictjson_takes_what_json_is():
    text = '{"a": [1, -2.5e3, "città \\ud83d\\ude00", true, null, {"b": ""}], "": 0}'
    assert strictjson.loads(text) == json.loads(text)
    deep = "[" * 64 + "]" * 64
    assert strictjson.loads(deep) == json.loads(deep)


@pytest.mark.parametrize("case", HOSTILE_IDS)
def test_strictjson_refuses_what_no_database_stores(case):
    text, words = HOSTILE_JSON[case]
    with pytest.raises(strictjson.JSONInputError) as refused:
        strictjson.loads(text)
    assert words in str(refused.value)
    str(refused.value).encode("utf-8")  # the message itself can be shown


# --- import files ------------------------------------------------------------------------
def assert_nothing_imported(result, *words):
    assert not result.ok
    assert result.created == 0
    assert not get_model("device").objects.exists()
    messages = " ".join(str(error) for error in result.errors)
    messages.encode("utf-8")
    for word in words:
        assert word in messages, messages


@pytest.mark.parametrize("case", HOSTILE_IDS)
@pytest.mark.parametrize("column", ["context", "config"])
def test_a_json_file_with_a_hostile_value_imports_nothing(case, column):
    text, words = HOSTILE_JSON[case]
    row = f'{{"name": "r1", "mac_address": "00:11:22:33:44:01", "{column}": {text}}}'
    content = f"[{row}]".encode()
    result = importexport.import_devices(content, "json")
    assert_nothing_imported(result, "not valid JSON", words)


@pytest.mark.parametrize("case", ["lone surrogate", "NUL", "5000 digits"])
def test_a_hostile_name_in_a_json_file_imports_nothing(case):
    text, words = HOSTILE_JSON[case]
    value = text[len('{"a": ') : -1]
    content = f'[{{"name": {value}, "mac_address": "00:11:22:33:44:01"}}]'.encode()
    assert_nothing_imported(importexport.import_devices(content, "json"), words)


@pytest.mark.parametrize("case", HOSTILE_IDS)
def test_a_csv_cell_with_hostile_json_is_a_row_error(case):
    text, words = HOSTILE_JSON[case]
    cell = '"' + text.replace('"', '""') + '"'
    content = f"name,mac_address,context\nr1,00:11:22:33:44:01,{cell}\n"
    result = importexport.import_devices(content.encode(), "csv")
    if len(cell) > 131_072:  # over the csv module's limit of a field
        assert_nothing_imported(result, "The CSV file cannot be read", "field larger than")
    else:
        assert_nothing_imported(result, "Row 1, context: invalid JSON", words)


@pytest.mark.parametrize("column", ["name", "model", "notes", "group", "templates"])
def test_a_nul_in_a_csv_cell_is_a_row_error(column):
    content = f"name,mac_address,{column}\nr1,00:11:22:33:44:01,x\x00y\n"
    if column == "name":
        content = "name,mac_address\nr\x001,00:11:22:33:44:01\n"
    result = importexport.import_devices(content.encode(), "csv")
    assert_nothing_imported(result, f"Row 1, {column}: contains a NUL character")


def test_a_csv_with_an_unterminated_quote_imports_nothing():
    content = 'name,mac_address,notes\nr1,00:11:22:33:44:01,"open\nr2,00:11:22:33:44:02,x\n'
    result = importexport.import_devices(content.encode(), "csv")
    assert_nothing_imported(result, "The CSV file cannot be read", "unexpected end of data")


def test_a_csv_row_with_more_values_than_the_header_imports_nothing():
    content = "name,mac_address\nr1,00:11:22:33:44:01,extra\n"
    result = importexport.import_devices(content.encode(), "csv")
    assert_nothing_imported(result, "Row 1 has more values than the header has columns")


def test_a_csv_text_cell_with_json_like_content_is_kept_as_text():
    content = 'name,mac_address,notes\nr1,00:11:22:33:44:01,"{""a"": NaN} [[[["\n'
    result = importexport.import_devices(content.encode(), "csv")
    assert result.ok, result.errors
    assert get_model("device").objects.get().notes == '{"a": NaN} [[[['


def test_the_admin_import_reports_a_hostile_file(admin_client):
    text, _words = HOSTILE_JSON["nested 100000"]
    content = f'[{{"name": "r1", "mac_address": "00:11:22:33:44:01", "context": {text}}}]'
    response = admin_client.post(
        admin_url("device", "import"),
        {"file": SimpleUploadedFile("devices.json", content.encode()), "format": "json"},
    )
    assert response.status_code == 200
    assert "nested more than" in response.content.decode()
    assert not get_model("device").objects.exists()


# --- admin JSON fields -------------------------------------------------------------------
@pytest.mark.parametrize(
    "field,case",
    [("config-0-context", case) for case in HOSTILE_IDS]
    + [
        ("config-0-config", case)
        for case in ("NaN", "5000 digits", "nested 100000", "lone surrogate", "NUL key")
    ],
)
def test_the_device_form_refuses_hostile_json(admin_client, case, field):
    text, words = HOSTILE_JSON[case]
    url, data = device_form_data(admin_client)
    data.update({"name": "r1", "mac_address": "00:11:22:33:44:01", field: text})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = errors_of(response)
    name = "config." + field.rsplit("-", 1)[-1]
    assert name in errors, errors
    assert "Invalid JSON" in str(errors[name]) and words in str(errors[name])
    assert not get_model("device").objects.exists()
    # the text is shown again as it was posted (to correct it)
    if len(text) < 1000 and "\\u0000" not in text:
        assert "Invalid JSON" in response.content.decode()


def _posted_form(admin_client, model_name, obj=None):
    url = admin_url(model_name, "change", obj.pk) if obj else admin_url(model_name, "add")
    response = admin_client.get(url)
    assert response.status_code == 200
    return url, form_data(response)


@pytest.mark.parametrize("case", ["NaN", "5000 digits", "nested 100000", "lone surrogate", "NUL"])
@pytest.mark.parametrize("field", ["context", "meta_data"])
def test_the_group_form_refuses_hostile_json(admin_client, case, field):
    text, words = HOSTILE_JSON[case]
    group = DeviceGroupFactory()
    url, data = _posted_form(admin_client, "devicegroup", group)
    data[field] = text
    response = admin_client.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors and words in str(form.errors[field])
    group.refresh_from_db()
    assert getattr(group, field) == {}


@pytest.mark.parametrize("case", ["NaN", "out of range", "nested 100000", "lone surrogate", "NUL"])
@pytest.mark.parametrize("field", ["default_values", "config"])
def test_the_template_form_refuses_hostile_json(admin_client, case, field):
    text, words = HOSTILE_JSON[case]
    template = TemplateFactory()
    before = getattr(template, field)
    url, data = _posted_form(admin_client, "template", template)
    data[field] = text
    response = admin_client.post(url, data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert field in form.errors and words in str(form.errors[field])
    template.refresh_from_db()
    assert getattr(template, field) == before


def test_nan_in_variables_says_so_not_a_constraint(admin_client):
    url, data = device_form_data(admin_client)
    data.update(
        {"name": "r1", "mac_address": "00:11:22:33:44:01", "config-0-context": '{"x": NaN}'}
    )
    response = admin_client.post(url, data)
    assert response.status_code == 200
    text = str(errors_of(response))
    assert "NaN is not a JSON number" in text
    assert "constraint" not in text.lower()


def test_a_nul_in_a_tag_is_refused(admin_client):
    template = TemplateFactory()
    url, data = _posted_form(admin_client, "template", template)
    data["tags"] = "outdoor in\x00door"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "tags" in response.context["adminform"].form.errors
    template.refresh_from_db()
    assert template.tags == []
