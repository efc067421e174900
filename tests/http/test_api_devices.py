"""Devices through the REST API: the nested config, the admin's write path (render,
signals, versions), filters, pages, errors with field paths, hostile input, bulk jobs;
and a script written for OpenWISP Controller's API, unchanged."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from reversion.models import Version

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..api_helpers import (  # noqa: F401
    PASSWORD,
    _no_token_throttle_history,
    api_url,
    body_for,
    client_for,
    make_user,
)
from ..factories import OPENWRT, DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..helpers import archive_files
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db
DEVICES = api_url("controller/device/")


@pytest.fixture
def api():
    return client_for("change")


def test_create_with_nested_config_renders_signals_and_keeps_a_version(
    api, django_capture_on_commit_callbacks
):
    template = TemplateFactory()
    body = body_for(
        "device",
        name="api-router",
        mac_address="00:11:22:33:44:55",
        config={
            "backend": OPENWRT,
            "templates": [str(template.pk)],
            "context": {"ssid": "x"},
            "config": {"general": {"timezone": "Europe/Rome"}},
        },
    )
    response = api.post(DEVICES, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["config"]["templates"] == [str(template.pk)]
    assert data["config"]["status"] == "modified"
    device = get_model("device").objects.get(pk=data["id"])
    assert device.config.checksum_db  # rendered in the request
    assert Version.objects.get_for_object(device).count() == 1
    # a variable nothing uses: the rest of the config is kept, the output is the same
    # (no config_modified, as from the admin), a new version
    url = api_url(f"controller/device/{device.pk}/")
    with catch_signal(signals.config_modified, django_capture_on_commit_callbacks) as sent:
        response = api.patch(url, {"config": {"context": {"ssid": "y"}}}, format="json")
    assert response.status_code == 200, response.content
    sent.none()
    assert response.json()["config"]["context"] == {"ssid": "y"}
    assert response.json()["config"]["config"] == {"general": {"timezone": "Europe/Rome"}}
    assert Version.objects.get_for_object(device).count() == 2
    # a change of the output: rendered again, config_modified sent once
    berlin = {"config": {"config": {"general": {"timezone": "Europe/Berlin"}}}}
    with catch_signal(signals.config_modified, django_capture_on_commit_callbacks) as sent:
        response = api.patch(url, berlin, format="json")
    assert response.status_code == 200, response.content
    assert sent.one().action == "config_changed"
    assert Version.objects.get_for_object(device).count() == 3
    files = archive_files(api.get(f"{url}configuration/").content)
    assert "Europe/Berlin" in "".join(files.values())


def test_group_change_brings_its_templates_as_the_admin(api):
    group_template = TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(group_template)
    config = make_config()
    url = api_url(f"controller/device/{config.device.pk}/")
    response = api.patch(url, {"group": str(group.pk)}, format="json")
    assert response.status_code == 200
    assert str(group_template.pk) in response.json()["config"]["templates"]


def test_required_template_cannot_be_removed(api):
    required = TemplateFactory(required=True)
    config = make_config()
    assert required in config.templates.all()
    url = api_url(f"controller/device/{config.device.pk}/")
    response = api.patch(url, {"config": {"templates": []}}, format="json")
    assert response.status_code == 400
    assert "templates" in response.json()["config"]


def test_put_replaces_and_delete_removes(api):
    config = make_config()
    url = api_url(f"controller/device/{config.device.pk}/")
    response = api.put(
        url, body_for("device", name="renamed", mac_address="00:11:22:33:44:66"), format="json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "renamed"
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": "router-x", "mac_address": "nope"}, "mac_address"),
        ({"name": "", "mac_address": "00:11:22:33:44:77"}, "name"),
        ({"name": "a\u0000b", "mac_address": "00:11:22:33:44:77"}, "detail"),
        ({"name": 12, "mac_address": ["x"]}, "mac_address"),
        ({"name": "router-x", "mac_address": "00:11:22:33:44:77", "group": "not-a-uuid"}, "group"),
        (
            {
                "name": "router-x",
                "mac_address": "00:11:22:33:44:77",
                "group": "00000000-0000-0000-0000-000000000000",
            },
            "group",
        ),
        (
            {"name": "router-x", "mac_address": "00:11:22:33:44:77", "config": {"backend": "nope"}},
            "config",
        ),
        (
            {
                "name": "router-x",
                "mac_address": "00:11:22:33:44:77",
                "config": {"templates": ["zz"]},
            },
            "config",
        ),
        (
            {"name": "router-x", "mac_address": "00:11:22:33:44:77", "config": {"config": []}},
            "config",
        ),
        ({"name": "router-x", "mac_address": "00:11:22:33:44:77", "config": "str"}, "config"),
    ],
)
def test_bad_input_is_400_with_the_field(api, body, field):
    response = api.post(DEVICES, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not get_model("device").objects.filter(name="router-x").exists()


def test_config_error_names_the_netjson_path(api):
    body = body_for("device") | {
        "name": "router-x",
        "mac_address": "00:11:22:33:44:77",
        "config": {"config": {"interfaces": 3}},
    }
    response = api.post(DEVICES, body, format="json")
    assert response.status_code == 400
    assert "at interfaces" in response.json()["config"]["config"][0]
    assert not get_model("device").objects.exists()  # nothing half-written


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": NaN}',
        b"[" * 5000 + b"]" * 5000,
        b'{"name": "\\u0000"}',
        b'{"name": "\\ud800"}',
        b'{"name": 1' + b"0" * 5000 + b"}",
        b"\xff\xfe",
        b"",
        b"null",
        b"[]",
    ],
)
def test_hostile_bodies_are_400(api, raw):
    response = api.generic("POST", DEVICES, raw, content_type="application/json")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    "query",
    [
        "config__status=nope",
        "config__templates=xyz",
        "group=1",
        "created__gte=yesterday",
        "page=999",
        "page=-1",
        "page_size=100000000000000000000000",
        "name=" + "a" * 200,
        "name=%00",
        "mac_address=a%00b",
        "config__backend=%00",
        "group=%00",
    ],
)
def test_bad_filters_and_pages_are_4xx(api, query):
    make_config()
    response = api.get(f"{DEVICES}?{query}")
    assert response.status_code in (200, 400, 404), response.content
    assert response.status_code != 500


@pytest.mark.parametrize(
    "path",
    [
        "controller/device/00000000-0000-0000-0000-000000000000/",
        "controller/device/abc/",
        "controller/device/00000000-0000-0000-0000-000000000000/configuration/",
        "controller/template/ffff/",
    ],
)
def test_unknown_ids_are_404(api, path):
    assert api.get(api_url(path)).status_code == 404


def test_filters(api):
    template, group = TemplateFactory(), DeviceGroupFactory()
    one = make_config(DeviceFactory(name="alpha-1", group=group), templates=[template]).device
    make_config(DeviceFactory(name="beta-2"))
    cases = {
        f"config__templates={template.pk}": [one.name],
        f"group={group.pk}": [one.name],
        "name=ALPHA": [one.name],
        f"mac_address={one.mac_address[-5:].lower()}": [one.name],
        "config__status=modified": ["beta-2", one.name],
        "created__lt=2000-01-01T00:00:00Z": [],
    }
    for query, names in cases.items():
        results = api.get(f"{DEVICES}?{query}").json()["results"]
        assert sorted(r["name"] for r in results) == sorted(names), query


def test_queries_per_page_do_not_grow_with_the_devices(api):
    templates = [TemplateFactory() for _ in range(3)]

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(f"{DEVICES}?page_size=100").status_code == 200
        return len(captured)

    make_config(templates=templates)
    few = queries()
    for _ in range(30):
        make_config(templates=templates)
    assert queries() == few


def test_page_size_is_bounded(api):
    for _ in range(3):
        make_config()
    body = api.get(f"{DEVICES}?page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


def test_bulk_assigns_templates_and_group(api, settings):
    template, group = TemplateFactory(), DeviceGroupFactory()
    devices = [make_config().device for _ in range(4)]
    ids = [str(d.pk) for d in devices]
    bulk = api_url("controller/device/bulk/")
    response = api.post(
        bulk,
        {"action": "add_templates", "devices": ids, "templates": [str(template.pk)]},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["result"]["changed"] == 4
    settings.NETJSONCONFIG_BULK_SYNC_LIMIT = 2  # over it: a background job
    response = api.post(
        bulk, {"action": "change_group", "devices": ids, "group": str(group.pk)}, format="json"
    )
    assert response.status_code in (200, 202), response.content
    job = response.json()["job"]
    assert job is not None
    polled = api.get(job["url"]).json()
    assert polled["status"] == "done" and polled["done"] == 4
    assert get_model("device").objects.filter(group=group).count() == 4
    bad = api.post(
        bulk,
        {
            "action": "add_templates",
            "devices": ids + ["00000000-0000-0000-0000-000000000000"],
            "templates": [str(template.pk)],
        },
        format="json",
    )
    assert bad.status_code == 400 and "devices" in bad.json()
    bad = api.post(bulk, {"action": "delete", "devices": ids}, format="json")
    assert bad.status_code == 400


def test_openwisp_controller_script_runs_unchanged():
    """The calls of a script written for OpenWISP Controller's API, as it makes them:
    form-encoded token request, JSON bodies, Bearer token, the same paths and fields."""
    make_user("change", name="operator")
    device = make_config().device
    client = APIClient()
    token = client.post(
        "/api/v1/users/token/", {"username": "operator", "password": PASSWORD}
    ).json()["token"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = client.post(
        "/api/v1/controller/template/",
        body_for("template", name="ntp", backend=OPENWRT, config={"ntp": {"enabled": True}}),
        format="json",
        **headers,
    )
    assert created.status_code == 201, created.content
    template_id = created.json()["id"]
    patched = client.patch(
        f"/api/v1/controller/template/{template_id}/",
        {"config": {"ntp": {"enabled": False}}, "tags": ["ntp"]},
        format="json",
        **headers,
    )
    assert patched.status_code == 200 and patched.json()["tags"] == ["ntp"]
    detail = client.get(f"/api/v1/controller/device/{device.pk}/", **headers).json()
    assert set(detail["config"]) >= {"backend", "status", "templates", "context", "config"}
    download = client.get(f"/api/v1/controller/device/{device.pk}/configuration/", **headers)
    assert download.status_code == 200 and download["Content-Type"] == "application/gzip"
    listed = client.get("/api/v1/controller/template/?backend=netjsonconfig.OpenWrt", **headers)
    assert template_id in [t["id"] for t in listed.json()["results"]]
