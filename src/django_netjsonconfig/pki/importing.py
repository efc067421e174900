"""A CA or certificate imported: the PEM texts an operator pasted, checked and read."""

from typing import Any

from django.core.exceptions import ValidationError

from .crypto import DIGESTS, lib
from .keys import public_der
from .pem import issued_by, load_certificate, load_private_key


def import_existing(obj: Any, ca: Any = None) -> None:
    """Check the PEM texts pasted into ``obj`` and read its fields from them.

    ``ca`` is the CA a certificate must have been issued by (None for a CA).
    Raises ``ValidationError`` naming the field; ``obj`` is not saved.
    """
    x509 = lib().x509
    certificate = load_certificate(obj.certificate)
    key = load_private_key(obj.private_key)
    if public_der(certificate.public_key()) != public_der(key.public_key()):
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


def _read_fields(obj: Any, certificate: Any, key: Any) -> None:
    crypto = lib()
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
