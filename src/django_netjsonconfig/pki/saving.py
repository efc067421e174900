"""A new CA or certificate generated or imported; any one saved.

Whatever shows a certificate whose text changed (a VPN server, a device's VPN
client) is re-rendered by the callables of :data:`on_certificate_changed`,
which the app fills when it starts (``django_netjsonconfig.wiring``): the PKI
does not know who uses its certificates.
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from ..workflow.batch import managed
from .importing import import_existing
from .signing import generate_ca, generate_cert

#: called with a CA or certificate whose certificate text or key changed
on_certificate_changed: list[Callable[[Any], None]] = []


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
    """Save a CA or certificate; when its text changed, whatever shows it follows
    (:data:`on_certificate_changed`)."""
    created = obj._state.adding
    changed = set() if created else obj.changed_fields()
    with managed():
        obj.save()
    obj.mark_saved()
    if changed & {"certificate", "private_key"}:
        for hook in on_certificate_changed:
            hook(obj)


def validity_span(obj: Any, default_days: int) -> datetime.timedelta:
    """How long ``obj`` is valid (a renewal keeps it), ``default_days`` if unknown."""
    if obj.validity_start and obj.validity_end and obj.validity_end > obj.validity_start:
        return obj.validity_end - obj.validity_start
    return datetime.timedelta(days=default_days)
