"""Certificate authorities and certificates: created, imported, renewed, revoked, the CRL."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.core.exceptions import ValidationError
from django.urls import reverse

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.pki import certificates as pki

from ..factories import extra_fields
from ..vpn_helpers import load_cert, make_ca, make_cert

pytestmark = pytest.mark.django_db


def test_a_new_ca_is_self_signed_and_a_certificate_authority():
    ca = make_ca("Root CA", country_code="IT", organization_name="ACME")

    certificate = load_cert(ca.certificate)
    assert certificate.issuer == certificate.subject
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert pki.issued_by(certificate, certificate)
    assert ca.serial_number == str(certificate.serial_number)
    assert "BEGIN RSA PRIVATE KEY" in ca.private_key
    assert ca.validity_end - ca.validity_start > datetime.timedelta(days=3000)


def test_a_certificate_verifies_against_its_ca_and_its_key_matches():
    ca = make_ca()
    cert = make_cert(ca, "client", extensions=[{"name": "nsCertType", "value": "client"}])

    certificate = load_cert(cert.certificate)
    assert pki.issued_by(certificate, load_cert(ca.certificate))
    key = serialization.load_pem_private_key(cert.private_key.encode(), None)
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usage


def test_an_existing_ca_and_certificate_are_imported_with_their_fields():
    original_ca = make_ca("to-export", organization_name="Elsewhere")
    original = make_cert(original_ca, "exported")
    ca_model, cert_model = get_model("ca"), get_model("cert")

    imported_ca = ca_model(
        **extra_fields(
            ca_model,
            name="imported",
            certificate=original_ca.certificate,
            private_key=original_ca.private_key,
        )
    )
    pki.save_ca(imported_ca)
    imported = cert_model(
        **extra_fields(
            cert_model,
            name="imported-cert",
            ca=imported_ca,
            certificate=original.certificate,
            private_key=original.private_key,
        )
    )
    pki.save_cert(imported)

    assert imported_ca.organization_name == "Elsewhere"
    assert imported_ca.common_name == "to-export"
    assert imported.serial_number == original.serial_number
    assert imported.certificate.strip() == original.certificate.strip()


@pytest.mark.parametrize(
    "certificate, private_key, field, message",
    [
        ("not a certificate", "whatever", "certificate", "not a valid PEM x509 certificate"),
        (
            None,
            "-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----",
            "private_key",
            "not a valid",
        ),
        (None, "other", "private_key", "does not match the certificate"),
    ],
)
def test_an_invalid_import_is_refused_and_nothing_is_saved(
    certificate, private_key, field, message
):
    ca = make_ca("real")
    other = make_ca("other")
    cert_model = get_model("cert")
    cert = cert_model(
        **extra_fields(
            cert_model,
            name="bad",
            ca=ca,
            certificate=certificate or make_cert(ca, "source").certificate,
            private_key=other.private_key if private_key == "other" else private_key,
        )
    )
    count = cert_model.objects.count()

    with pytest.raises(ValidationError) as caught:
        pki.save_cert(cert)

    assert message in " ".join(caught.value.message_dict[field])
    assert cert_model.objects.count() == count


def test_a_certificate_of_another_ca_is_refused_on_import():
    ca, stranger = make_ca("mine"), make_ca("stranger")
    foreign = make_cert(stranger, "foreign")
    cert_model = get_model("cert")
    cert = cert_model(
        **extra_fields(
            cert_model,
            name="foreign-import",
            ca=ca,
            certificate=foreign.certificate,
            private_key=foreign.private_key,
        )
    )

    with pytest.raises(ValidationError) as caught:
        pki.save_cert(cert)

    assert 'was not issued by the CA "mine"' in caught.value.message_dict["certificate"][0]
    assert not cert_model.objects.filter(name="foreign-import").exists()


def test_a_plain_certificate_cannot_be_imported_as_a_ca():
    ca = make_ca()
    leaf = make_cert(ca, "leaf")
    ca_model = get_model("ca")
    fake = ca_model(
        **extra_fields(
            ca_model, name="fake", certificate=leaf.certificate, private_key=leaf.private_key
        )
    )
    with pytest.raises(ValidationError, match="not a certificate authority"):
        pki.save_ca(fake)


def test_renewing_a_ca_keeps_its_certificates_valid():
    ca = make_ca()
    cert = make_cert(ca)
    old_serial = ca.serial_number

    pki.renew_ca(ca)

    ca.refresh_from_db()
    assert ca.serial_number != old_serial
    assert pki.issued_by(load_cert(cert.certificate), load_cert(ca.certificate))


def test_renewing_a_certificate_gives_a_new_key_and_serial_from_the_same_ca():
    ca = make_ca()
    cert = make_cert(ca)
    old_key, old_serial = cert.private_key, cert.serial_number

    pki.renew_cert(cert)

    cert.refresh_from_db()
    assert cert.private_key != old_key and cert.serial_number != old_serial
    assert pki.issued_by(load_cert(cert.certificate), load_cert(ca.certificate))


def test_revoked_certificates_are_in_the_crl_served_over_http(client):
    ca = make_ca()
    revoked, kept = make_cert(ca, "revoked"), make_cert(ca, "kept")

    assert pki.revoke(revoked) is True
    assert pki.revoke(revoked) is False  # once

    response = client.get(reverse("netjsonconfig:crl", args=[ca.pk]))
    assert response.status_code == 200
    crl = x509.load_pem_x509_crl(response.content)
    assert crl.is_signature_valid(load_cert(ca.certificate).public_key())
    assert crl.get_revoked_certificate_by_serial_number(int(revoked.serial_number)) is not None
    assert crl.get_revoked_certificate_by_serial_number(int(kept.serial_number)) is None
    revoked.refresh_from_db()
    assert revoked.revoked and revoked.revoked_at is not None


def test_the_crl_of_an_unknown_ca_is_404(client):
    assert client.get("/netjsonconfig/ca/not-a-uuid.crl").status_code == 404
    assert (
        client.get("/netjsonconfig/ca/00000000-0000-0000-0000-000000000000.crl").status_code == 404
    )


def test_a_revoked_certificate_cannot_be_renewed():
    cert = make_cert(make_ca())
    pki.revoke(cert)
    with pytest.raises(ValidationError, match="cannot be renewed"):
        pki.renew_cert(cert)


def test_wireguard_keys_are_valid_x25519_pairs():
    private, public = pki.wireguard_keys()
    assert len(private) == len(public) == 44
    assert pki.is_wireguard_pair(private, public)
    assert not pki.is_wireguard_pair(private, pki.wireguard_keys()[1])
