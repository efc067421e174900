"""The admin of CAs, certificates and VPN servers; who sees private keys."""

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url, form_data
from ..factories import make_config
from ..vpn_helpers import (
    OPENVPN,
    WIREGUARD,
    client_of,
    load_cert,
    make_ca,
    make_cert,
    make_vpn,
    make_vpn_template,
)

pytestmark = pytest.mark.django_db


def staff(*codenames):
    user = User.objects.create_user("staff-" + "-".join(codenames), password="x", is_staff=True)
    for codename in codenames:
        model = {"ca": get_model("ca"), "cert": get_model("cert"), "vpn": get_model("vpn")}[
            codename.split("_", 1)[1]
        ]
        user.user_permissions.add(
            Permission.objects.get(
                codename=f"{codename.split('_', 1)[0]}_{model._meta.model_name}",
                content_type__app_label=model._meta.app_label,
            )
        )
    client = Client()
    client.force_login(user)
    return client


def post_form(client, url, **fields):
    data = form_data(client.get(url))
    data.update(fields)
    return client.post(url, data)


def errors(response):
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def test_a_ca_and_a_certificate_are_generated_from_the_admin(admin_client):
    response = post_form(
        admin_client, admin_url("ca", "add"), name="Root", common_name="root.example.com"
    )
    assert response.status_code == 302
    ca = get_model("ca").objects.get(name="Root")
    assert "BEGIN CERTIFICATE" in ca.certificate

    response = post_form(
        admin_client, admin_url("cert", "add"), name="leaf", common_name="leaf", ca=str(ca.pk)
    )
    assert response.status_code == 302
    cert = get_model("cert").objects.get(name="leaf")
    assert cert.ca == ca and cert.serial_number


def test_an_import_of_a_key_that_does_not_match_is_refused_in_the_form(admin_client):
    ca = make_ca()
    source, other = make_cert(ca, "source"), make_cert(ca, "other")
    response = post_form(
        admin_client,
        admin_url("cert", "add"),
        name="imported",
        ca=str(ca.pk),
        certificate=source.certificate,
        private_key=other.private_key,
    )
    assert "does not match the certificate" in errors(response)["private_key"][0]
    assert not get_model("cert").objects.filter(name="imported").exists()


def test_private_keys_are_shown_and_served_only_with_the_change_permission(admin_client):
    cert = make_cert(make_ca())
    change_url = admin_url("cert", "change", cert.pk)
    key_url = change_url.replace("/change/", "/private-key.pem")
    certificate_url = change_url.replace("/change/", "/certificate.pem")

    viewer = staff("view_cert")
    page = viewer.get(change_url)
    assert page.status_code == 200
    assert cert.private_key.splitlines()[1] not in page.content.decode()
    assert "private-key.pem" not in page.content.decode()
    assert viewer.get(key_url).status_code == 403
    assert viewer.get(certificate_url).content.decode() == cert.certificate

    editor = staff("change_cert")
    assert cert.private_key.splitlines()[1] in editor.get(change_url).content.decode()
    assert editor.get(key_url).content.decode() == cert.private_key
    assert Client().get(key_url).status_code == 302  # to the login page


def test_renew_and_revoke_actions(admin_client):
    ca = make_ca()
    cert = make_cert(ca)
    serial = cert.serial_number
    url = admin_url("cert", "changelist")

    admin_client.post(url, {"action": "renew_selected", "_selected_action": [cert.pk]})
    cert.refresh_from_db()
    assert cert.serial_number != serial
    admin_client.post(url, {"action": "revoke_selected", "_selected_action": [cert.pk]})
    cert.refresh_from_db()
    assert cert.revoked

    ca_serial = ca.serial_number
    admin_client.post(
        admin_url("ca", "changelist"), {"action": "renew_selected", "_selected_action": [ca.pk]}
    )
    ca.refresh_from_db()
    assert ca.serial_number != ca_serial


def test_the_ca_page_links_its_crl(admin_client):
    ca = make_ca()
    page = admin_client.get(admin_url("ca", "change", ca.pk)).content.decode()
    assert f"/netjsonconfig/ca/{ca.pk}.crl" in page


def test_a_vpn_server_is_created_from_the_admin_with_its_certificate(admin_client):
    ca = make_ca()
    response = post_form(
        admin_client,
        admin_url("vpn", "add"),
        name="office",
        host="vpn.example.com",
        backend=OPENVPN,
        ca=str(ca.pk),
        config="",
    )
    assert response.status_code == 302
    vpn = get_model("vpn").objects.get(name="office")
    assert vpn.cert.ca == ca and vpn.checksum_db
    assert load_cert(vpn.cert.certificate)


def test_the_server_page_lists_its_clients_and_refuses_a_backend_change(admin_client):
    vpn = make_vpn(WIREGUARD)
    config = make_config(templates=[make_vpn_template(vpn)])
    url = admin_url("vpn", "change", vpn.pk)

    page = admin_client.get(url).content.decode()
    assert client_of(config).ip_address in page
    assert str(config.device) in page

    response = post_form(
        admin_client, url, backend="django_netjsonconfig.vpn_backends.VxlanWireguard"
    )
    assert "cannot be changed while the server has clients" in errors(response)["backend"][0]


def test_a_vpn_template_gets_its_configuration_generated_in_the_admin(admin_client):
    vpn = make_vpn(WIREGUARD)
    response = post_form(
        admin_client,
        admin_url("template", "add"),
        name="wg-client",
        type="vpn",
        vpn=str(vpn.pk),
        backend="netjsonconfig.OpenWrt",
        config="",
    )
    assert response.status_code == 302, errors(response)
    template = get_model("template").objects.get(name="wg-client")
    assert template.config["interfaces"][0]["type"] == "wireguard"


def test_the_server_download_needs_the_change_permission(admin_client):
    vpn = make_vpn(WIREGUARD)
    url = admin_url("vpn", "download", vpn.pk)
    assert staff("view_vpn").get(url).status_code == 403
    response = admin_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/gzip"
