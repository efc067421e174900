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
client) is re-rendered when the transaction's unit of work settles (``workflow.unit``).

``cryptography`` (several MB per process) is imported by ``pki.crypto.lib()`` the first
time a PKI operation needs it, not when this module is: a worker that only serves the
devices' polls never loads it.

By job: ``crypto`` (the library), ``keys``, ``pem`` (reading), ``signing``,
``importing``, ``saving``, ``authorities`` (CAs, CRL) and this module
(certificates), which is also where the rest of the package and extending code
find every PKI operation.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ..base.pki import AbstractCert
from ..settings import app_settings
from .authorities import crl, renew_ca, save_ca
from .importing import import_existing
from .keys import generate_rsa_key, is_wireguard_pair, private_key_pem, wireguard_keys
from .pem import issued_by, load_certificate, load_private_key
from .saving import prepare, save, validity_span
from .signing import generate_ca, generate_cert

__all__ = [
    "crl",
    "extra_fields",
    "generate_ca",
    "generate_cert",
    "generate_rsa_key",
    "import_existing",
    "is_wireguard_pair",
    "issued_by",
    "load_certificate",
    "load_private_key",
    "prepare",
    "private_key_pem",
    "renew_ca",
    "renew_cert",
    "revoke",
    "save_ca",
    "save_cert",
    "wireguard_keys",
]


@transaction.atomic
def save_cert(cert: Any) -> Any:
    """Create (generate or import) or update a certificate."""
    if cert._state.adding or not cert.certificate:
        prepare(cert)
    save(cert)
    return cert


@transaction.atomic
def renew_cert(cert: Any) -> Any:
    """A new key, serial and validity (from now) for ``cert``, signed by its CA."""
    if cert.revoked:
        raise ValidationError("A revoked certificate cannot be renewed; issue a new one.")
    span = validity_span(cert, app_settings.DEFAULT_CERT_VALIDITY)
    cert.validity_start = timezone.now() - datetime.timedelta(minutes=1)
    cert.validity_end = cert.validity_start + span
    generate_cert(cert)
    save(cert)
    return cert


def revoke(cert: Any) -> bool:
    """Mark ``cert`` revoked (it appears in its CA's CRL). Returns False if it already was."""
    if cert.revoked:
        return False
    cert.revoked = True
    cert.revoked_at = timezone.now()
    type(cert).objects.filter(pk=cert.pk).update(revoked=True, revoked_at=cert.revoked_at)
    return True


def extra_fields(model: Any, *sources: Any) -> dict[str, Any]:
    """Values for the fields of ``model`` that our abstract PKI and VPN models do not have
    (an extender's ``organization``), from the first of ``sources`` that has them."""
    ours = {f.name for f in AbstractCert._meta.get_fields()} | {"id"}
    out: dict[str, Any] = {}
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
