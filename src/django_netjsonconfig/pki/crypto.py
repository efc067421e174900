"""The ``cryptography`` library, loaded the first time a PKI operation needs it.

``cryptography`` costs several MB per process: a worker that only serves the
devices' polls never loads it (a test checks that starting Django, the admin and
the URLs does not import it). Every module of ``pki`` reaches it through
:func:`lib`, the one place that imports it, inside the function on purpose.
"""

import functools
import types

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
def lib() -> types.SimpleNamespace:
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
