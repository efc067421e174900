"""PEM texts read back: certificates, private keys, who issued a certificate."""

from typing import Any

from django.core.exceptions import ValidationError

from .crypto import lib


def load_certificate(pem: str) -> Any:
    x509 = lib().x509
    try:
        return x509.load_pem_x509_certificate(pem.strip().encode())
    except (ValueError, TypeError):
        raise ValidationError(
            {"certificate": "The certificate is not a valid PEM x509 certificate."}
        ) from None


def load_private_key(pem: str) -> Any:
    serialization = lib().serialization
    try:
        return serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except (ValueError, TypeError):
        raise ValidationError(
            {"private_key": "The private key is not a valid (unencrypted) PEM private key."}
        ) from None


def issued_by(certificate: Any, ca_certificate: Any) -> bool:
    """True when ``certificate`` (x509 object) was signed by ``ca_certificate``."""
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (ValueError, TypeError, lib().InvalidSignature):
        return False
    return True
