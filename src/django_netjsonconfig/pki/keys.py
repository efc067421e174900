"""Private keys: RSA for certificates, X25519 pairs for WireGuard."""

import base64
from typing import Any

from .crypto import lib


def generate_rsa_key(bits: int) -> Any:
    return lib().rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: Any) -> str:
    serialization = lib().serialization
    pem: bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return pem.decode()


def wireguard_keys() -> tuple[str, str]:
    """A new X25519 key pair, as WireGuard writes them: ``(private, public)`` in base64."""
    private = lib().x25519.X25519PrivateKey.generate()
    return (
        base64.b64encode(private.private_bytes_raw()).decode(),
        base64.b64encode(private.public_key().public_bytes_raw()).decode(),
    )


def is_wireguard_pair(private_b64: str, public_b64: str) -> bool:
    x25519 = lib().x25519
    try:
        private = x25519.X25519PrivateKey.from_private_bytes(base64.b64decode(private_b64))
        return private.public_key().public_bytes_raw() == base64.b64decode(public_b64)
    except (ValueError, TypeError):
        return False


def public_der(key: Any) -> bytes:
    serialization = lib().serialization
    der: bytes = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der
