"""Templates, groups, VPN servers, CAs and certificates through the REST API: created,
changed and deleted through the admin's forms and services (their errors as 400s with
the field), their downloads and actions."""

import pytest
from reversion.models import Version

from django_netjsonconfig.apps import get_model

from ..api_helpers import (  # noqa: F401
    _no_token_throttle_history,
    api_url,
    body_for,
    client_for,
)
from ..factories import OPENWRT, DeviceGroupFactory, TemplateFactory, make_config
from ..helpers import archive_files
from ..vpn_helpers import OPENVPN, WIREGUARD, load_cert, make_ca, make_cert, make_vpn

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return client_for("change")


def test_template_crud_tags_and_download(api):
    url = api_url("controller/template/")
    body = body_for("template", name="tz", backend=OPENWRT, config={"general": {"timezone": "UTC"}})
    created = api.post(url, {**body, "tags": ["lan", "wan"]}, format="json")
    assert created.status_code == 201, created.content
    detail = api_url(f"controller/template/{created.json()['id']}/")
    template = get_model("template").objects.get(name="tz")
    assert template.tags == ["lan", "wan"]
    assert Version.objects.get_for_object(template).count() == 1
    changed = api.patch(detail, {"config": {"general": {"timezone": "Europe/Rome"}}}, format="json")
    assert changed.status_code == 200
    files = archive_files(api.get(f"{detail}configuration/").content)
    assert "Europe/Rome" in "".join(files.values())
    assert api.get(f"{url}?default=false&backend={OPENWRT}").json()["count"] == 1
    assert api.get(f"{url}?type=vpn").json()["count"] == 0
    assert api.delete(detail).status_code == 204


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": "bad", "backend": OPENWRT, "config": {"interfaces": 1}}, "config"),
        ({"name": "bad", "backend": "nope"}, "backend"),
        ({"name": "bad", "backend": OPENWRT, "tags": ["a b"]}, "tags"),
        ({"name": "bad", "backend": OPENWRT, "default_values": []}, "default_values"),
        ({"name": "bad", "backend": OPENWRT, "type": "vpn"}, "vpn"),
    ],
)
def test_template_errors(api, body, field):
    response = api.post(
        api_url("controller/template/"), body_for("template", **body), format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json() or "non_field_errors" in response.json()
    assert not get_model("template").objects.filter(name="bad").exists()


def test_group_templates_reach_its_devices(api):
    template = TemplateFactory()
    group = DeviceGroupFactory()
    config = make_config()
    config.device.group = group
    config.device.save()
    url = api_url(f"controller/group/{group.pk}/")
    response = api.patch(url, {"templates": [str(template.pk)]}, format="json")
    assert response.status_code == 200, response.content
    assert template in config.templates.all()
    assert api.get(api_url("controller/group/?empty=true")).json()["count"] == 0
    assert api.get(api_url("controller/group/?empty=false")).json()["count"] == 1


def test_vpn_create_change_and_download(api):
    ca = make_ca("vpn-ca")
    body = body_for("vpn", name="ovpn", host="vpn.example.com", backend=OPENVPN, ca=str(ca.pk))
    created = api.post(api_url("controller/vpn/"), body, format="json")
    assert created.status_code == 201, created.content
    vpn = get_model("vpn").objects.get(name="ovpn")
    assert vpn.cert is not None  # the server certificate the service issues
    detail = api_url(f"controller/vpn/{vpn.pk}/")
    assert api.get(f"{detail}configuration/")["Content-Type"] == "application/gzip"
    wg = make_vpn(WIREGUARD, name="wg")
    response = api.patch(
        api_url(f"controller/vpn/{wg.pk}/"), {"ip_address": "192.0.2.1"}, format="json"
    )
    assert response.status_code == 400 and "ip_address" in response.json()
    assert api.get(api_url("controller/vpn/?subnet=10.0.0.0/24")).json()["count"] == 1


def test_ca_and_cert_generate_renew_revoke_crl(api):
    ca = api.post(
        api_url("controller/ca/"),
        body_for("ca", name="root", common_name="root", key_length=1024),
        format="json",
    )
    assert ca.status_code == 201, ca.content
    ca_id = ca.json()["id"]
    cert = api.post(
        api_url("controller/cert/"),
        body_for("cert", name="leaf", common_name="leaf", ca=ca_id, key_length=1024),
        format="json",
    )
    assert cert.status_code == 201, cert.content
    cert_url = api_url(f"controller/cert/{cert.json()['id']}/")
    serial = cert.json()["serial_number"]
    renewed = api.post(f"{cert_url}renew/")
    assert renewed.status_code == 200 and renewed.json()["serial_number"] != serial
    revoked = api.post(f"{cert_url}revoke/")
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    refused = api.post(f"{cert_url}renew/")
    assert refused.status_code == 400  # a revoked certificate is not renewed
    crl = api.get(api_url(f"controller/ca/{ca_id}/crl"))
    assert crl.status_code == 200 and b"BEGIN X509 CRL" in crl.content
    renewed_ca = api.post(api_url(f"controller/ca/{ca_id}/renew/"))
    assert renewed_ca.status_code == 200
    # what was issued is not changed afterwards
    response = api.patch(cert_url, {"common_name": "other", "notes": "n"}, format="json")
    assert response.status_code == 200
    assert response.json()["common_name"] == "leaf" and response.json()["notes"] == "n"


def test_ca_import_needs_both_parts(api):
    source = make_cert(make_ca("src-ca"), "src")
    assert load_cert(source.certificate)
    body = body_for("ca", name="imported", certificate=source.certificate)
    response = api.post(api_url("controller/ca/"), body, format="json")
    assert response.status_code == 400
    assert not get_model("ca").objects.filter(name="imported").exists()


@pytest.mark.parametrize(
    "dates,field",
    [
        ({"validity_start": "0657-04-19T07:22:58Z"}, "validity_start"),
        ({"validity_start": "9999-12-31T00:00:00Z"}, "validity_end"),
    ],
)
def test_validity_no_certificate_can_hold_is_400(api, dates, field):
    """Found by schemathesis: cryptography writes no date before 1950 (it was a 500)."""
    body = body_for("ca", name="dated", common_name="dated", key_length=1024, **dates)
    response = api.post(api_url("controller/ca/"), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not get_model("ca").objects.filter(name="dated").exists()


@pytest.mark.parametrize(
    "kind,fields",
    [
        ("vpn", {"name": "huge", "backend": WIREGUARD, "division_size": 10**30}),
        ("vpn", {"name": "huge", "backend": WIREGUARD, "division_number_of_ips": -1}),
        ("ca", {"name": "huge", "common_name": "huge", "key_length": 10**30}),
        ("ca", {"name": "huge", "common_name": "huge", "key_length": 17}),
        ("devicegroup", {"name": "x" * 10_000}),
        ("devicegroup", {"name": "huge", "context": ["not", "an", "object"]}),
        ("template", {"name": "huge", "backend": OPENWRT, "default": "maybe"}),
        ("template", {"name": "huge", "backend": OPENWRT, "vpn": 10**30}),
    ],
)
def test_huge_or_wrong_values_are_400(api, kind, fields):
    path = {"devicegroup": "group"}.get(kind, kind)
    response = api.post(api_url(f"controller/{path}/"), body_for(kind, **fields), format="json")
    assert response.status_code == 400, response.content
    assert not get_model(kind).objects.filter(name__in=["huge", "x" * 10_000]).exists()
