"""The secrets of credentials, encrypted at rest (Fernet, from ``cryptography``).

A secret is stored as ``"fernet:" + token``. ``NETJSONCONFIG_CREDENTIALS_KEYS`` lists
Fernet keys (urlsafe base64 of 32 bytes, ``Fernet.generate_key()``): the first one
encrypts, every one of them decrypts, so a key is rotated by putting a new one first,
running ``manage.py netjsonconfig_reseal`` (which encrypts every stored secret again
with the first key) and then removing the old one. When the setting is empty, one key
is derived from ``SECRET_KEY`` (a system check warns: changing ``SECRET_KEY`` would
then make the stored secrets unreadable).

``cryptography`` is loaded on first use only (megabytes per process).
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from typing import Any

from django.conf import settings

from ..settings import app_settings

PREFIX = "fernet:"
#: the members of a connector's parameters that are secrets
SECRET_FIELDS = ("password", "key")


class SecretUnreadable(ValueError):
    """A stored secret that none of the configured keys decrypts."""


def derived_key(secret_key: str) -> bytes:
    """The Fernet key used when ``NETJSONCONFIG_CREDENTIALS_KEYS`` is empty."""
    digest = hashlib.sha256(b"django-netjsonconfig credentials\0" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def configured_keys() -> tuple[str, ...]:
    keys = app_settings.CREDENTIALS_KEYS or ()
    if isinstance(keys, str):
        keys = (keys,)
    return tuple(str(k) for k in keys)


def _keys() -> tuple[bytes, ...]:
    keys = configured_keys()
    if keys:
        return tuple(k.encode() for k in keys)
    return (derived_key(str(settings.SECRET_KEY)),)


@lru_cache(maxsize=8)
def _fernet(keys: tuple[bytes, ...]) -> Any:
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(k) for k in keys])


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(text: str) -> str:
    """``text`` encrypted with the first key (a sealed value is returned as it is)."""
    if is_sealed(text):
        return text
    return PREFIX + _fernet(_keys()).encrypt(text.encode()).decode()


def unseal(value: str) -> str:
    """The plain text of a sealed value (a plain value is returned as it is)."""
    if not is_sealed(value):
        return value
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(_keys()).decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with NETJSONCONFIG_CREDENTIALS_KEYS "
            "(was the key that encrypted it removed, or SECRET_KEY changed?)"
        ) from None


def reseal(value: str) -> str:
    """A sealed value encrypted again with the first key (key rotation)."""
    if not is_sealed(value):
        return seal(value)
    from cryptography.fernet import InvalidToken

    try:
        return PREFIX + _fernet(_keys()).rotate(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with NETJSONCONFIG_CREDENTIALS_KEYS"
        ) from None


def seal_params(params: Any) -> Any:
    """``params`` with its secrets sealed (what is written to the database)."""
    if not isinstance(params, dict):
        return params
    out = dict(params)
    for name in SECRET_FIELDS:
        value = out.get(name)
        if isinstance(value, str) and value and not is_sealed(value):
            out[name] = seal(value)
    return out


def unseal_params(params: Any) -> Any:
    """``params`` with its secrets in plain text (for the connector only)."""
    if not isinstance(params, dict):
        return params
    out = dict(params)
    for name in SECRET_FIELDS:
        if is_sealed(out.get(name)):
            out[name] = unseal(out[name])
    return out


def masked_params(params: Any) -> Any:
    """``params`` with its secrets replaced by a mark (what may be shown or exported)."""
    if not isinstance(params, dict):
        return params
    return {k: ("********" if k in SECRET_FIELDS and v else v) for k, v in params.items()}


def reset_cache() -> None:
    _fernet.cache_clear()
