"""Field validators and normalizers shared by models, forms and views."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

MAC_RE = re.compile(r"^([0-9A-Fa-f]{2})([:-]?)([0-9A-Fa-f]{2})(\2[0-9A-Fa-f]{2}){4}$")
HOSTNAME_LABEL_RE = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")


def normalize_mac(value):
    """``aa-bb-cc-dd-ee-ff`` or ``aabbccddeeff`` -> ``AA:BB:CC:DD:EE:FF``.

    Raises ``ValueError`` if the value is not a MAC address.
    """
    value = (value or "").strip()
    if not MAC_RE.match(value):
        raise ValueError(f"invalid MAC address: {value!r}")
    digits = re.sub(r"[^0-9A-Fa-f]", "", value).upper()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def mac_address_validator(value):
    try:
        normalize_mac(value)
    except ValueError:
        raise ValidationError(_("Enter a valid MAC address."), code="invalid_mac") from None


def is_mac_address(value):
    return bool(MAC_RE.match(value or ""))


def device_name_validator(value):
    """A device name is a hostname (dot-separated labels) or a MAC address."""
    if is_mac_address(value):
        return
    labels = value.rstrip(".").split(".") if value else []
    if not labels or len(value) > 253 or not all(HOSTNAME_LABEL_RE.match(lb) for lb in labels):
        raise ValidationError(
            _("Must be either a valid hostname or mac address."), code="invalid_name"
        )


key_validator = RegexValidator(
    r"^[^\s/\.]+$", _("The key may not contain spaces, dots or slashes."), code="invalid_key"
)
