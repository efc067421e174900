"""VPN servers: what is generated for them, their rendered configuration, the agent's
endpoints, and the changes they refuse."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from netjsonconfig import OpenVpn, Wireguard

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.pki import certificates as pki
from django_netjsonconfig.vpn import dhparams
from django_netjsonconfig.vpn import servers as vpns

from ..factories import extra_fields, make_config
from ..helpers import archive_files
from ..signal_helpers import catch_signal
from ..vpn_helpers import OPENVPN, VXLAN, WIREGUARD, load_cert, make_ca, make_vpn, make_vpn_template

pytestmark = pytest.mark.django_db


def test_an_openvpn_server_gets_a_server_certificate_of_its_ca_a_key_and_dh():
    vpn = make_vpn(OPENVPN, name="Office VPN")

    assert vpn.cert.ca_id == vpn.ca_id
    certificate = load_cert(vpn.cert.certificate)
    assert pki.issued_by(certificate, load_cert(vpn.ca.certificate))
    assert vpn.cert.common_name == "office-vpn"
    usage = certificate.extensions.get_extension_for_class(
        __import__("cryptography").x509.ExtendedKeyUsage
    ).value
    assert __import__("cryptography").x509.oid.ExtendedKeyUsageOID.SERVER_AUTH in usage
    assert len(vpn.key) == 32
    assert "BEGIN DH PARAMETERS" in vpn.dh
    assert vpn.config["openvpn"][0]["mode"] == "server"


def test_the_openvpn_server_configuration_is_what_netjsonconfig_renders():
    vpn = make_vpn(OPENVPN)

    expected = OpenVpn(
        config=vpn.config,
        context={
            "ca": vpn.ca.certificate,
            "cert": vpn.cert.certificate,
            "key": vpn.cert.private_key,
            "dh": vpn.dh,
            "name": vpn.name,
        },
    ).generate()

    assert bytes(vpn.archive) == expected.getvalue()
    files = archive_files(bytes(vpn.archive))
    assert files["cert.pem"].strip() == vpn.cert.certificate.strip()


def test_a_wireguard_server_gets_an_x25519_key_pair_and_the_first_address():
    vpn = make_vpn(WIREGUARD, subnet="10.9.0.0/24")

    assert pki.is_wireguard_pair(vpn.private_key, vpn.public_key)
    assert vpn.ip_address == "10.9.0.1"
    assert vpn.ca is None and vpn.cert is None and vpn.dh == ""
    config = vpns.server_netjson(vpn)
    expected = Wireguard(config=config, context=vpns.server_context(vpn)).generate()
    assert bytes(vpn.archive) == expected.getvalue()
    files = archive_files(bytes(vpn.archive))
    text = "".join(files.values())
    assert "PrivateKey = " + vpn.private_key in text
    assert "Address = 10.9.0.1/24" in text


def test_the_agent_gets_the_checksum_and_the_archive_with_the_server_key(client):
    vpn = make_vpn(WIREGUARD)
    checksum_url = reverse("controller:vpn_checksum", args=[vpn.pk])
    download_url = reverse("controller:vpn_download_config", args=[vpn.pk])

    response = client.get(checksum_url, {"key": vpn.key})
    assert response.status_code == 200
    assert response["X-Openwisp-Controller"] == "true"
    assert response.content.decode() == vpn.checksum_db
    response = client.get(download_url, {"key": vpn.key})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f"attachment; filename={vpn.name}.tar.gz"
    import hashlib

    assert hashlib.md5(response.content).hexdigest() == vpn.checksum_db


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({}, 400, 'error: missing required parameter "key"'),
        ({"key": "wrong"}, 403, "error: wrong key"),
    ],
)
def test_the_agent_endpoints_refuse_bad_requests(client, params, status, message):
    vpn = make_vpn(WIREGUARD)
    for name in ("vpn_checksum", "vpn_download_config"):
        response = client.get(reverse(f"controller:{name}", args=[vpn.pk]), params)
        assert (response.status_code, response.content.decode()) == (status, message)
        assert response["X-Openwisp-Controller"] == "true"


def test_the_agent_endpoints_answer_404_for_an_unknown_server(client):
    response = client.get(
        "/controller/vpn/checksum/00000000000000000000000000000000/", {"key": "x"}
    )
    assert response.status_code == 404
    assert client.get("/controller/vpn/checksum/nope/", {"key": "x"}).status_code == 404


def test_openvpn_needs_a_ca_and_a_certificate_of_that_ca():
    vpn_model = get_model("vpn")

    vpn = vpn_model(**extra_fields(vpn_model, name="no-ca", host="h", backend=OPENVPN))
    with pytest.raises(ValidationError) as caught:
        vpns.save(vpn)
    assert "certificate authority" in caught.value.message_dict["ca"][0]

    other = make_vpn(OPENVPN, name="other")
    vpn = make_vpn(OPENVPN, name="mismatch")
    vpn.cert = other.cert
    with pytest.raises(ValidationError) as caught:
        vpns.save(vpn)
    assert "issued by the selected CA" in caught.value.message_dict["cert"][0]


def test_changing_the_ca_issues_a_new_server_certificate():
    vpn = make_vpn(OPENVPN)
    old_cert = vpn.cert
    vpn.ca = make_ca("new-ca")
    vpns.save(vpn)
    assert vpn.cert != old_cert and vpn.cert.ca_id == vpn.ca_id


def test_the_backend_cannot_change_while_the_server_has_clients():
    vpn = make_vpn(WIREGUARD)
    make_config(templates=[make_vpn_template(vpn)])
    vpn.backend = VXLAN
    with pytest.raises(ValidationError) as caught:
        vpns.save(vpn)
    assert (
        "cannot be changed while the server has clients" in caught.value.message_dict["backend"][0]
    )


def test_a_server_address_outside_the_range_or_taken_by_a_client_is_refused():
    vpn = make_vpn(WIREGUARD, subnet="10.1.0.0/24")
    config = make_config(templates=[make_vpn_template(vpn)])
    taken = get_model("vpnclient").objects.get(config=config).ip_address

    vpn.ip_address = "10.2.0.1"
    with pytest.raises(ValidationError, match="must be a host address of 10.1.0.0/24"):
        vpns.save(vpn)
    vpn.ip_address = taken
    with pytest.raises(ValidationError) as caught:
        vpns.save(vpn)
    assert f"The address {taken} is already taken" in caught.value.message_dict["ip_address"][0]
    assert get_model("vpn").objects.get(pk=vpn.pk).ip_address == "10.1.0.1"


def test_an_invalid_server_configuration_is_refused_and_nothing_is_created():
    vpn_model, cert_model = get_model("vpn"), get_model("cert")

    ca = make_ca()
    vpn = vpn_model(
        **extra_fields(
            vpn_model,
            name="broken",
            host="h",
            backend=OPENVPN,
            ca=ca,
            config={"openvpn": [{"name": "x", "mode": "server"}]},
        )
    )
    count = cert_model.objects.count()
    with pytest.raises(ValidationError) as caught:
        vpns.save(vpn)
    assert "config" in caught.value.message_dict
    assert not vpn_model.objects.filter(name="broken").exists()
    assert cert_model.objects.count() == count


def test_a_change_of_the_server_sends_vpn_server_modified_and_reaches_the_clients(
    django_capture_on_commit_callbacks,
):
    vpn = make_vpn(WIREGUARD)
    config = make_config(templates=[make_vpn_template(vpn)])
    checksum = config.checksum_db

    with catch_signal(signals.vpn_server_modified, django_capture_on_commit_callbacks) as sent:
        vpn.host = "other.example.com"
        vpns.save(vpn)

    assert sent.one().instance == vpn
    config.refresh_from_db()
    assert config.checksum_db != checksum


def test_saving_an_unchanged_server_sends_nothing(django_capture_on_commit_callbacks):
    vpn = make_vpn(WIREGUARD)
    with catch_signal(signals.vpn_server_modified, django_capture_on_commit_callbacks) as sent:
        vpns.save(get_model("vpn").objects.get(pk=vpn.pk))
    sent.none()


def test_dh_parameters_are_generated_in_the_background(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.NETJSONCONFIG_FANOUT = "celery"
    settings.CELERY_BROKER_URL = "memory://"
    queued = []
    from django_netjsonconfig import tasks

    monkeypatch.setattr(tasks.generate_dh, "delay", lambda *args: queued.append(args))
    monkeypatch.setattr(dhparams.subprocess, "run", lambda *a, **k: pytest.fail("DH in request"))

    with django_capture_on_commit_callbacks(execute=True):
        vpn = make_vpn(OPENVPN)
        assert vpn.dh == vpns.PLACEHOLDER_DH  # the request does not wait
        assert queued == []  # enqueued only once committed

    assert queued == [(str(vpn.pk),)]
    vpn.refresh_from_db()
    assert vpn.dh == vpns.PLACEHOLDER_DH


def test_the_dh_task_replaces_the_placeholder_and_rerenders_the_server(settings):
    settings.NETJSONCONFIG_DH_LENGTH = 512
    vpn = make_vpn(OPENVPN)
    old = vpn.checksum_db

    assert vpns.generate_dh(vpn.pk) is True

    vpn.refresh_from_db()
    assert vpn.dh != vpns.PLACEHOLDER_DH and "BEGIN DH PARAMETERS" in vpn.dh
    assert vpn.checksum_db != old
    assert vpns.generate_dh(vpn.pk) is False  # idempotent
