"""Import and export from the device list: buttons, a dry run with a preview, errors
per row on the page, exports of the list as filtered."""

import csv
import html
import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..fleet_helpers import changelist_url, messages_of

pytestmark = pytest.mark.django_db
CSV = "name,mac_address,templates\nr1,00:11:22:33:44:01,ntp\nr2,00:11:22:33:44:02,\n"


def upload(client, text, name="devices.csv", **data):
    return client.post(
        admin_url("device", "import"),
        {"file": SimpleUploadedFile(name, text.encode()), **data},
    )


def streamed(response):
    return b"".join(response.streaming_content).decode()


def test_the_list_has_import_and_export_buttons(admin_client):
    page = admin_client.get(changelist_url("q=r1")).content.decode()

    assert f'href="{admin_url("device", "import")}"' in page
    assert f'href="{admin_url("device", "export", "csv")}?q=r1"' in page
    assert f'href="{admin_url("device", "export", "json")}?q=r1"' in page
    assert "Recover deleted devices" in page  # reversion's list, extended


def test_a_dry_run_shows_the_rows_and_writes_nothing(admin_client):
    TemplateFactory(name="ntp")

    response = upload(admin_client, CSV, dry_run="on")

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Dry run: 2 devices would be imported." in page
    assert "<td>r1</td><td>00:11:22:33:44:01</td>" in page
    assert "Import these devices" in page
    assert not get_model("device").objects.exists()


def test_confirming_a_dry_run_imports_the_devices(admin_client):
    TemplateFactory(name="ntp")
    preview = upload(admin_client, CSV, dry_run="on")
    confirm = preview.context["confirm"]

    response = admin_client.post(
        admin_url("device", "import"),
        {"content": confirm.initial["content"], "format": confirm.initial["format"]},
    )

    assert response.status_code == 302
    assert response["Location"] == changelist_url()
    assert messages_of(response) == ["2 devices imported."]
    assert sorted(get_model("device").objects.values_list("name", flat=True)) == ["r1", "r2"]


def test_an_import_without_dry_run_goes_straight_in(admin_client):
    TemplateFactory(name="ntp")

    response = upload(admin_client, CSV)

    assert response.status_code == 302
    assert get_model("device").objects.count() == 2


def test_errors_are_shown_per_row_and_nothing_is_imported(admin_client):
    text = (
        "name,mac_address,templates\nr1,00:11:22:33:44:01,\nr2,nope,\nr3,00:11:22:33:44:03,ghost\n"
    )

    response = upload(admin_client, text)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "Nothing was imported: 2 errors." in page
    assert "<li>Row 2, mac_address: Enter a valid MAC address.</li>" in page
    assert '<li>Row 3, templates: unknown template "ghost"</li>' in page
    assert "Import these devices" not in page
    assert not get_model("device").objects.exists()


def test_a_json_file_is_recognised_by_its_name(admin_client):
    text = json.dumps([{"name": "r1", "mac_address": "00:11:22:33:44:01"}])

    response = upload(admin_client, text, name="devices.json")

    assert response.status_code == 302
    assert get_model("device").objects.get().name == "r1"


def test_no_file_is_refused(admin_client):
    response = admin_client.post(admin_url("device", "import"), {})

    assert response.status_code == 200
    assert "Choose a file to import." in response.content.decode()


def test_a_user_who_may_not_add_devices_cannot_import(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    opts = get_model("device")._meta
    user.user_permissions.add(
        Permission.objects.get(
            codename=f"view_{opts.model_name}", content_type__app_label=opts.app_label
        )
    )
    client.force_login(user)

    assert client.get(admin_url("device", "import")).status_code == 403
    page = client.get(changelist_url()).content.decode()
    assert admin_url("device", "import") not in page
    assert admin_url("device", "export", "csv") in page


def test_export_takes_the_list_as_filtered_and_searched(admin_client):
    office = DeviceGroupFactory(name="office")
    make_config(DeviceFactory(name="alpha", group=office))
    make_config(DeviceFactory(name="alpine", group=office))
    make_config(DeviceFactory(name="bravo", group=office))
    DeviceFactory(name="alpaca")

    response = admin_client.get(
        admin_url("device", "export", "csv") + f"?group__id__exact={office.pk}&q=alp"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="devices-')
    names = [row["name"] for row in csv.DictReader(io.StringIO(streamed(response)))]
    assert names == ["alpha", "alpine"]


def test_export_as_json(admin_client):
    DeviceFactory(name="alpha")

    response = admin_client.get(admin_url("device", "export", "json"))

    assert response["Content-Type"] == "application/json"
    assert [d["name"] for d in json.loads(streamed(response))] == ["alpha"]


def test_an_unknown_export_format_is_not_found(admin_client):
    assert admin_client.get(admin_url("device", "export", "xml")).status_code == 404


def test_export_with_a_bad_filter_goes_back_to_the_list(admin_client):
    response = admin_client.get(admin_url("device", "export", "csv") + "?nope__exact=1")

    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_selected_devices_can_be_exported(admin_client):
    alpha, _bravo = DeviceFactory(name="alpha"), DeviceFactory(name="bravo")

    response = admin_client.post(
        changelist_url(),
        {"action": "export_json", "index": "0", "_selected_action": [str(alpha.pk)]},
    )

    assert [d["name"] for d in json.loads(streamed(response))] == ["alpha"]
