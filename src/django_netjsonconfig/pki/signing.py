"""Certificates signed: a CA's own (self-signed), and those a CA issues."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..settings import app_settings
from .crypto import NS_CERT_TYPES, lib
from .keys import generate_rsa_key, private_key_pem
from .pem import load_certificate, load_private_key


def _name(obj: Any) -> Any:
    crypto = lib()
    attributes = [
        crypto.x509.NameAttribute(oid, str(getattr(obj, field)))
        for field, oid in crypto.NAME_FIELDS
        if getattr(obj, field, "")
    ]
    return crypto.x509.Name(attributes)


def digest(obj: Any) -> Any:
    crypto = lib()
    return crypto.DIGESTS.get(obj.digest, crypto.hashes.SHA256)()


#: X.509 validity dates before 1950 are not written by cryptography (UTCTime's range)
EARLIEST = datetime.datetime(1950, 1, 1, tzinfo=datetime.UTC)


def _validity(obj: Any, default_days: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The validity of a new certificate; a ``ValidationError`` naming the field for dates
    no certificate can hold (before 1950, or a default end past the year 9999)."""
    start = obj.validity_start or timezone.now() - datetime.timedelta(minutes=1)
    end = obj.validity_end
    if start < EARLIEST:
        raise ValidationError({"validity_start": "A certificate cannot be valid before 1950."})
    if end is None or end <= start:
        try:
            end = start + datetime.timedelta(days=default_days)
        except OverflowError:
            raise ValidationError(
                {"validity_end": "Give an end of validity (the default one is past 9999)."}
            ) from None
    return start, end


def check_validity(obj: Any) -> None:
    """Refuse (``ValidationError``) the validity dates of a new CA or certificate that no
    certificate can hold."""
    _validity(obj, 1)


def _extra_extensions(builder: Any, obj: Any) -> Any:
    crypto = lib()
    x509, EKU, EKU_NAMES = crypto.x509, crypto.EKU, crypto.EKU_NAMES
    usages: list[Any] = []
    for extension in obj.extensions or []:
        if not isinstance(extension, dict):
            raise ValidationError({"extensions": "Each extension is an object with a name."})
        name, value = extension.get("name"), str(extension.get("value", ""))
        critical = bool(extension.get("critical", False))
        if name == "nsCertType" and value in NS_CERT_TYPES:
            builder = builder.add_extension(
                x509.UnrecognizedExtension(crypto.NS_CERT_TYPE_OID, NS_CERT_TYPES[value]), critical
            )
            usages.append(EKU[value])
        elif name == "extendedKeyUsage":
            for part in value.replace(",", " ").split():
                if part not in EKU_NAMES:
                    raise ValidationError({"extensions": f'Unknown extended key usage "{part}".'})
                usages.append(EKU_NAMES[part])
        else:
            raise ValidationError(
                {
                    "extensions": f'Unsupported extension "{name}" = "{value}": nsCertType '
                    "(client, server) and extendedKeyUsage (clientAuth, serverAuth) are."
                }
            )
    if usages:
        unique = list(dict.fromkeys(usages))
        builder = builder.add_extension(x509.ExtendedKeyUsage(unique), critical=False)
    return builder


def sign_ca(ca: Any, key: Any) -> tuple[Any, datetime.datetime, datetime.datetime]:
    x509 = lib().x509
    start, end = _validity(ca, app_settings.DEFAULT_CA_VALIDITY)
    name = _name(ca)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    return builder.sign(key, digest(ca)), start, end


def sign_cert(
    cert: Any, key: Any, ca_certificate: Any, ca_key: Any
) -> tuple[Any, datetime.datetime, datetime.datetime]:
    x509 = lib().x509
    start, end = _validity(cert, app_settings.DEFAULT_CERT_VALIDITY)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cert))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    builder = _extra_extensions(builder, cert)
    return builder.sign(ca_key, digest(cert)), start, end


def store(
    obj: Any, certificate: Any, key_pem: str, start: datetime.datetime, end: datetime.datetime
) -> None:
    encoding = lib().serialization.Encoding.PEM
    obj.certificate = certificate.public_bytes(encoding).decode()
    obj.private_key = key_pem
    obj.serial_number = str(certificate.serial_number)
    obj.validity_start, obj.validity_end = start, end


def generate_ca(ca: Any) -> None:
    """Fill ``ca`` (unsaved) with a new key and self-signed certificate."""
    _check_generatable(ca)
    key = generate_rsa_key(ca.key_length)
    certificate, start, end = sign_ca(ca, key)
    store(ca, certificate, private_key_pem(key), start, end)


def generate_cert(cert: Any, *, key: Any = None) -> None:
    """Fill ``cert`` (unsaved) with a new key (or ``key``) and a certificate of its CA."""
    _check_generatable(cert)
    ca = cert.ca
    ca_certificate, ca_key = load_certificate(ca.certificate), load_private_key(ca.private_key)
    key = key or generate_rsa_key(cert.key_length)
    certificate, start, end = sign_cert(cert, key, ca_certificate, ca_key)
    store(cert, certificate, private_key_pem(key), start, end)


def _check_generatable(obj: Any) -> None:
    if not obj.common_name:
        raise ValidationError({"common_name": "A common name is needed to generate it."})
