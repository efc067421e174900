"""Certificate authorities and certificates, on the ``cryptography`` library.

- ``save_ca`` / ``save_cert``: a new CA or certificate either gets a key and a
  certificate generated from its fields, or, when the operator pasted a
  certificate and its private key, is *imported*: both are parsed, the key must
  match the certificate, a certificate must have been issued by its CA, and the
  fields are read from the certificate.
- ``renew_ca`` keeps the CA's key and re-signs its certificate (new serial, new
  validity): every certificate it issued stays valid, nothing has to be
  re-issued. ``renew_cert`` gives the certificate a new key, serial and validity.
- ``revoke`` marks a certificate revoked; ``crl`` is the CA's signed revocation
  list, generated when asked for.

Whatever uses a certificate whose text changed (a VPN server, a device's VPN
client) is re-rendered through ``vpn.servers.certificate_changed``.

``cryptography`` (several MB per process) is imported by ``_crypto()`` the first time a
PKI operation needs it, not when this module is: a worker that only serves the devices'
polls never loads it.
"""

import base64
import datetime
import functools
import types

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..settings import app_settings
from ..workflow import unit

# DER BIT STRINGs of the Netscape certificate type: client (bit 0), server (bit 1)
NS_CERT_TYPES = {"client": b"\x03\x02\x07\x80", "server": b"\x03\x02\x06\x40"}
# hash algorithms by name: the class names of ``cryptography.hazmat.primitives.hashes``
DIGESTS = {"sha256": "SHA256", "sha384": "SHA384", "sha512": "SHA512"}
# subject fields of our models and the attribute of ``cryptography.x509.oid.NameOID``
NAME_FIELDS = (
    ("country_code", "COUNTRY_NAME"),
    ("state", "STATE_OR_PROVINCE_NAME"),
    ("city", "LOCALITY_NAME"),
    ("organization_name", "ORGANIZATION_NAME"),
    ("organizational_unit_name", "ORGANIZATIONAL_UNIT_NAME"),
    ("email", "EMAIL_ADDRESS"),
    ("common_name", "COMMON_NAME"),
)


@functools.cache
def _crypto():
    """The ``cryptography`` modules and the OIDs we use, imported on first use."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa, x25519
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

    eku = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}
    return types.SimpleNamespace(
        x509=x509,
        InvalidSignature=InvalidSignature,
        hashes=hashes,
        serialization=serialization,
        rsa=rsa,
        x25519=x25519,
        NS_CERT_TYPE_OID=ObjectIdentifier("2.16.840.1.113730.1.1"),
        EKU=eku,
        EKU_NAMES={"serverAuth": eku["server"], "clientAuth": eku["client"]},
        DIGESTS={name: getattr(hashes, cls) for name, cls in DIGESTS.items()},
        NAME_FIELDS=tuple((field, getattr(NameOID, oid)) for field, oid in NAME_FIELDS),
    )


# --- keys ------------------------------------------------------------------------------------
def generate_rsa_key(bits):
    return _crypto().rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key):
    serialization = _crypto().serialization
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def wireguard_keys():
    """A new X25519 key pair, as WireGuard writes them: ``(private, public)`` in base64."""
    private = _crypto().x25519.X25519PrivateKey.generate()
    return (
        base64.b64encode(private.private_bytes_raw()).decode(),
        base64.b64encode(private.public_key().public_bytes_raw()).decode(),
    )


def is_wireguard_pair(private_b64, public_b64):
    x25519 = _crypto().x25519
    try:
        private = x25519.X25519PrivateKey.from_private_bytes(base64.b64decode(private_b64))
        return private.public_key().public_bytes_raw() == base64.b64decode(public_b64)
    except (ValueError, TypeError):
        return False


# --- parsing ---------------------------------------------------------------------------------
def load_certificate(pem):
    x509 = _crypto().x509
    try:
        return x509.load_pem_x509_certificate(pem.strip().encode())
    except (ValueError, TypeError):
        raise ValidationError(
            {"certificate": "The certificate is not a valid PEM x509 certificate."}
        ) from None


def load_private_key(pem):
    serialization = _crypto().serialization
    try:
        return serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError):
        raise ValidationError(
            {"private_key": "The private key is not a valid (unencrypted) PEM private key."}
        ) from None


def _public_der(key):
    serialization = _crypto().serialization
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def issued_by(certificate, ca_certificate):
    """True when ``certificate`` (x509 object) was signed by ``ca_certificate``."""
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, _crypto().InvalidSignature):
        return False
    return True


# --- building --------------------------------------------------------------------------------
def _name(obj):
    crypto = _crypto()
    attributes = [
        crypto.x509.NameAttribute(oid, str(getattr(obj, field)))
        for field, oid in crypto.NAME_FIELDS
        if getattr(obj, field, "")
    ]
    return crypto.x509.Name(attributes)


def _digest(obj):
    crypto = _crypto()
    return crypto.DIGESTS.get(obj.digest, crypto.hashes.SHA256)()


def _validity(obj, default_days):
    start = obj.validity_start or timezone.now() - datetime.timedelta(minutes=1)
    end = obj.validity_end
    if end is None or end <= start:
        end = start + datetime.timedelta(days=default_days)
    return start, end


def _extra_extensions(builder, obj):
    crypto = _crypto()
    x509, EKU, EKU_NAMES = crypto.x509, crypto.EKU, crypto.EKU_NAMES
    usages = []
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


def _sign_ca(ca, key):
    x509 = _crypto().x509
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
    return builder.sign(key, _digest(ca)), start, end


def _sign_cert(cert, key, ca_certificate, ca_key):
    x509 = _crypto().x509
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
    return builder.sign(ca_key, _digest(cert)), start, end


def _store(obj, certificate, key_pem, start, end):
    encoding = _crypto().serialization.Encoding.PEM
    obj.certificate = certificate.public_bytes(encoding).decode()
    obj.private_key = key_pem
    obj.serial_number = str(certificate.serial_number)
    obj.validity_start, obj.validity_end = start, end


# --- generate or import ----------------------------------------------------------------------
def generate_ca(ca):
    """Fill ``ca`` (unsaved) with a new key and self-signed certificate."""
    _check_generatable(ca)
    key = generate_rsa_key(ca.key_length)
    certificate, start, end = _sign_ca(ca, key)
    _store(ca, certificate, private_key_pem(key), start, end)


def generate_cert(cert, *, key=None):
    """Fill ``cert`` (unsaved) with a new key (or ``key``) and a certificate of its CA."""
    _check_generatable(cert)
    ca = cert.ca
    ca_certificate, ca_key = load_certificate(ca.certificate), load_private_key(ca.private_key)
    key = key or generate_rsa_key(cert.key_length)
    certificate, start, end = _sign_cert(cert, key, ca_certificate, ca_key)
    _store(cert, certificate, private_key_pem(key), start, end)


def _check_generatable(obj):
    if not obj.common_name:
        raise ValidationError({"common_name": "A common name is needed to generate it."})


def import_existing(obj, ca=None):
    """Check the PEM texts pasted into ``obj`` and read its fields from them.

    ``ca`` is the CA a certificate must have been issued by (None for a CA).
    Raises ``ValidationError`` naming the field; ``obj`` is not saved.
    """
    x509 = _crypto().x509
    certificate = load_certificate(obj.certificate)
    key = load_private_key(obj.private_key)
    if _public_der(certificate.public_key()) != _public_der(key.public_key()):
        raise ValidationError({"private_key": "The private key does not match the certificate."})
    if ca is None:
        try:
            is_ca = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise ValidationError(
                {"certificate": "This certificate is not a certificate authority."}
            )
    else:
        if not ca.certificate:
            raise ValidationError({"ca": "The CA has no certificate yet."})
        if not issued_by(certificate, load_certificate(ca.certificate)):
            raise ValidationError(
                {"certificate": f'This certificate was not issued by the CA "{ca}".'}
            )
    _read_fields(obj, certificate, key)


def _read_fields(obj, certificate, key):
    crypto = _crypto()
    subject = certificate.subject
    for field, oid in crypto.NAME_FIELDS:
        values = subject.get_attributes_for_oid(oid)
        if values:
            setattr(obj, field, str(values[0].value)[:64])
    obj.serial_number = str(certificate.serial_number)
    obj.validity_start = certificate.not_valid_before_utc
    obj.validity_end = certificate.not_valid_after_utc
    if isinstance(key, crypto.rsa.RSAPrivateKey) and key.key_size in (1024, 2048, 3072, 4096):
        obj.key_length = key.key_size
    algorithm = certificate.signature_hash_algorithm
    if algorithm is not None and algorithm.name in DIGESTS:
        obj.digest = algorithm.name
    obj.certificate = certificate.public_bytes(crypto.serialization.Encoding.PEM).decode()
    obj.private_key = obj.private_key.strip() + "\n"


def prepare(obj):
    """Generate or import the PEM texts of a new CA or certificate (``obj`` unsaved)."""
    is_cert = _is_cert(obj)
    if obj.certificate.strip() or obj.private_key.strip():
        if not (obj.certificate.strip() and obj.private_key.strip()):
            raise ValidationError(
                "To import an existing one, give both the certificate and its private key."
            )
        import_existing(obj, obj.ca if is_cert else None)
    elif is_cert:
        generate_cert(obj)
    else:
        generate_ca(obj)


def _is_cert(obj):
    return any(f.name == "ca" for f in obj._meta.concrete_fields)


@transaction.atomic
def save_ca(ca):
    """Create (generate or import) or update a CA."""
    if ca._state.adding or not ca.certificate:
        prepare(ca)
    _save(ca)
    return ca


@transaction.atomic
def save_cert(cert):
    """Create (generate or import) or update a certificate."""
    if cert._state.adding or not cert.certificate:
        prepare(cert)
    _save(cert)
    return cert


def _save(obj):
    obj.save()  # the model receiver records what shows a new certificate text
    unit.settle()


# --- renew, revoke, CRL ---------------------------------------------------------------------
@transaction.atomic
def renew_ca(ca):
    """A new certificate for the CA's key: new serial, validity from now. The certificates
    it issued stay valid (same key, same name)."""
    key = load_private_key(ca.private_key)
    span = _span(ca, app_settings.DEFAULT_CA_VALIDITY)
    ca.validity_start = timezone.now() - datetime.timedelta(minutes=1)
    ca.validity_end = ca.validity_start + span
    certificate, start, end = _sign_ca(ca, key)
    _store(ca, certificate, ca.private_key, start, end)
    _save(ca)
    return ca


@transaction.atomic
def renew_cert(cert):
    """A new key, serial and validity (from now) for ``cert``, signed by its CA."""
    if cert.revoked:
        raise ValidationError("A revoked certificate cannot be renewed; issue a new one.")
    span = _span(cert, app_settings.DEFAULT_CERT_VALIDITY)
    cert.validity_start = timezone.now() - datetime.timedelta(minutes=1)
    cert.validity_end = cert.validity_start + span
    generate_cert(cert)
    _save(cert)
    return cert


def _span(obj, default_days):
    if obj.validity_start and obj.validity_end and obj.validity_end > obj.validity_start:
        return obj.validity_end - obj.validity_start
    return datetime.timedelta(days=default_days)


def revoke(cert):
    """Mark ``cert`` revoked (it appears in its CA's CRL). Returns False if it already was."""
    if cert.revoked:
        return False
    cert.revoked = True
    cert.revoked_at = timezone.now()
    type(cert).objects.filter(pk=cert.pk).update(revoked=True, revoked_at=cert.revoked_at)
    return True


def crl(ca):
    """The CA's certificate revocation list, PEM, signed by the CA."""
    crypto = _crypto()
    x509 = crypto.x509
    ca_certificate, ca_key = load_certificate(ca.certificate), load_private_key(ca.private_key)
    now = timezone.now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_certificate.subject)
        .last_update(now - datetime.timedelta(minutes=1))
        .next_update(now + datetime.timedelta(days=7))
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    revoked = ca.certs.filter(revoked=True).values_list("serial_number", "revoked_at")
    for serial, revoked_at in revoked.order_by("revoked_at"):
        if not serial:
            continue
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(int(serial))
            .revocation_date(revoked_at or now)
            .build()
        )
    return builder.sign(ca_key, _digest(ca)).public_bytes(crypto.serialization.Encoding.PEM)


def extra_fields(model, *sources):
    """Values for the fields of ``model`` that our abstract PKI and VPN models do not have
    (an extender's ``organization``), from the first of ``sources`` that has them."""
    from ..base.pki import AbstractCert

    ours = {f.name for f in AbstractCert._meta.get_fields()} | {"id"}
    out = {}
    for field in model._meta.concrete_fields:
        if field.name in ours:
            continue
        for source in sources:
            if source is None:
                continue
            value = getattr(source, field.attname, None)
            if value is not None:
                out[field.attname] = value
                break
    return out
