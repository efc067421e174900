"""Every endpoint of the REST API as an anonymous client, a user without permissions, a
user who may only view, and one who may change: the status each gets, and no secret
(device key, private keys, rendered archives) served to a user who may not change the
object."""

import pytest

from ..api_helpers import (  # noqa: F401
    _no_token_throttle_history,
    api_url,
    body_for,
    clients,
)
from ..factories import OPENWRT, DeviceGroupFactory, TemplateFactory, make_config
from ..vpn_helpers import WIREGUARD, make_ca, make_cert, make_vpn

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(db):
    template = TemplateFactory()
    config = make_config(templates=[template])
    ca = make_ca("perm-ca")
    return {
        "device": config.device,
        "template": template,
        "group": DeviceGroupFactory(),
        "other_group": DeviceGroupFactory(),
        "vpn": make_vpn(WIREGUARD, name="perm-wg"),
        "ca": ca,
        "cert": make_cert(ca, "perm-cert"),
    }


# (method, path, who succeeds: "view" or "change", success status)
READS = [
    ("get", "controller/{kind}/", "view", 200),
    ("get", "controller/{kind}/{pk}/", "view", 200),
]
DOWNLOADS = [
    ("device", "configuration/"),
    ("template", "configuration/"),
    ("vpn", "configuration/"),
]
KINDS = ("device", "template", "group", "vpn", "ca", "cert")
EXPECTED = {"anonymous": 401, "none": 403}


def _status(role, allowed, success):
    if role in EXPECTED:
        return EXPECTED[role]
    if allowed == "view" or role == "change":
        return success
    return 403


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["anonymous", "none", "view", "change"])
def test_reads(clients, objects, kind, role):
    pk = objects[kind].pk
    for _method, path, allowed, success in READS:
        response = clients[role].get(api_url(path.format(kind=kind, pk=pk)))
        assert response.status_code == _status(role, allowed, success), (path, response.content)


@pytest.mark.parametrize("kind,suffix", DOWNLOADS + [("ca", "crl"), ("ca", "crl/")])
@pytest.mark.parametrize("role", ["anonymous", "none", "view", "change"])
def test_downloads(clients, objects, kind, suffix, role):
    """Rendered configurations hold private keys: the change permission; a CRL: view."""
    url = api_url(f"controller/{kind}/{objects[kind].pk}/{suffix}")
    response = clients[role].get(url)
    allowed = "view" if suffix.startswith("crl") else "change"
    assert response.status_code == _status(role, allowed, 200)
    if response.status_code == 200 and not suffix.startswith("crl"):
        assert response["Content-Type"] == "application/gzip"


@pytest.mark.parametrize("role", ["anonymous", "none", "view", "change"])
def test_writes(clients, objects, role):
    client = clients[role]
    template = objects["template"]
    cases = [
        ("patch", f"controller/template/{template.pk}/", {"notes": "n"}, 200),
        ("patch", f"controller/group/{objects['group'].pk}/", {"description": "d"}, 200),
        ("patch", f"controller/device/{objects['device'].pk}/", {"notes": "n"}, 200),
        ("patch", f"controller/ca/{objects['ca'].pk}/", {"notes": "n"}, 200),
        ("post", f"controller/cert/{objects['cert'].pk}/renew/", None, 200),
        ("post", f"controller/ca/{objects['ca'].pk}/renew/", None, 200),
        ("post", f"controller/cert/{objects['cert'].pk}/revoke/", None, 200),
        ("post", "controller/group/", body_for("devicegroup", name="new-group"), 201),
        ("delete", f"controller/group/{objects['group'].pk}/", None, 204),
        (
            "post",
            "controller/device/bulk/",
            {
                "action": "add_templates",
                "devices": [str(objects["device"].pk)],
                "templates": [str(template.pk)],
            },
            200,
        ),
        ("patch", f"controller/vpn/{objects['vpn'].pk}/", {"notes": "n"}, 200),
        ("patch", f"controller/cert/{objects['cert'].pk}/", {"notes": "n"}, 200),
        (
            "put",
            f"controller/group/{objects['other_group'].pk}/",
            body_for("devicegroup", name="g2"),
            200,
        ),
        (
            "post",
            "controller/template/",
            body_for("template", name="new-template", backend=OPENWRT, config={"general": {}}),
            201,
        ),
        (
            "post",
            "controller/device/",
            body_for("device", name="new-device", mac_address="00:11:22:33:44:aa"),
            201,
        ),
        ("delete", f"controller/device/{objects['device'].pk}/", None, 204),
        ("delete", f"controller/template/{template.pk}/", None, 204),
        ("delete", f"controller/cert/{objects['cert'].pk}/", None, 204),
        ("delete", f"controller/vpn/{objects['vpn'].pk}/", None, 204),
    ]
    for method, path, data, success in cases:
        response = getattr(client, method)(api_url(path), data, format="json")
        assert response.status_code == _status(role, "change", success), (path, response.content)


SECRETS = {
    "device": ("key",),
    "vpn": ("key", "private_key", "archive"),
    "ca": ("private_key",),
    "cert": ("private_key",),
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_secrets_only_for_who_may_change(clients, objects, kind):
    obj = objects[kind]
    detail = api_url(f"controller/{kind}/{obj.pk}/")
    values = [getattr(obj, name) for name in SECRETS[kind]]
    values = [v for v in values if isinstance(v, str) and v]
    assert values
    for role in ("view", "change"):
        shown = list(clients[role].get(detail).json().values())
        listed = clients[role].get(api_url(f"controller/{kind}/")).json()["results"]
        for value in values:
            assert (value in shown) is (role == "change"), (role, kind)
            assert all(value not in item.values() for item in listed)  # never in a list
    assert "archive" not in clients["change"].get(detail).json()


def test_bulk_job_needs_the_device_permission(clients, objects):
    for role, status in (("anonymous", 401), ("none", 403)):
        response = clients[role].get(
            api_url("controller/job/00000000-0000-0000-0000-000000000000/")
        )
        assert response.status_code == status
    response = clients["view"].get(api_url("controller/job/00000000-0000-0000-0000-000000000000/"))
    assert response.status_code == 404
