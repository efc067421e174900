"""Certificate authorities: created (generated or imported), renewed, their revocation list.

``renew_ca`` keeps the CA's key and re-signs its certificate (new serial, new
validity): every certificate it issued stays valid, nothing has to be re-issued.
``crl`` is the CA's signed revocation list, generated when asked for.
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..settings import app_settings
from .crypto import lib
from .pem import load_certificate, load_private_key
from .saving import prepare, save, validity_span
from .signing import digest, sign_ca, store


@transaction.atomic
def save_ca(ca: Any) -> Any:
    """Create (generate or import) or update a CA."""
    if ca._state.adding or not ca.certificate:
        prepare(ca)
    save(ca)
    return ca


@transaction.atomic
def renew_ca(ca: Any) -> Any:
    """A new certificate for the CA's key: new serial, validity from now. The certificates
    it issued stay valid (same key, same name)."""
    key = load_private_key(ca.private_key)
    span = validity_span(ca, app_settings.DEFAULT_CA_VALIDITY)
    ca.validity_start = timezone.now() - datetime.timedelta(minutes=1)
    ca.validity_end = ca.validity_start + span
    certificate, start, end = sign_ca(ca, key)
    store(ca, certificate, ca.private_key, start, end)
    save(ca)
    return ca


def crl(ca: Any) -> bytes:
    """The CA's certificate revocation list, PEM, signed by the CA."""
    crypto = lib()
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
    pem: bytes = builder.sign(ca_key, digest(ca)).public_bytes(crypto.serialization.Encoding.PEM)
    return pem
