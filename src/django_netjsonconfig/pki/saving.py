"""A new CA or certificate generated or imported; any one saved.

Whatever shows a certificate whose text changed (a VPN server, a device's VPN
client) is re-rendered by the unit of work of the transaction (the model receiver
records the change, ``workflow.unit``): the PKI does not know who uses its
certificates.
"""

import datetime
from typing import Any

from django.core.exceptions import ValidationError

from ..workflow import unit
from .importing import import_existing
from .signing import generate_ca, generate_cert


def prepare(obj: Any) -> None:
    """Generate or import the PEM texts of a new CA or certificate (``obj`` unsaved)."""
    is_cert = is_certificate(obj)
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


def is_certificate(obj: Any) -> bool:
    return any(f.name == "ca" for f in obj._meta.concrete_fields)


def save(obj: Any) -> None:
    """Save a CA or certificate; when its text changed, whatever shows it follows (the
    model receiver records it; the renders are done before this returns)."""
    obj.save()
    unit.settle()


def validity_span(obj: Any, default_days: int) -> datetime.timedelta:
    """How long ``obj`` is valid (a renewal keeps it), ``default_days`` if unknown."""
    if obj.validity_start and obj.validity_end and obj.validity_end > obj.validity_start:
        return obj.validity_end - obj.validity_start
    return datetime.timedelta(days=default_days)
