"""Field validators and normalizers shared by models, forms and views."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

# \Z, not $: "$" also matches before a final newline
MAC_RE = re.compile(r"^([0-9A-Fa-f]{2})([:-]?)([0-9A-Fa-f]{2})(\2[0-9A-Fa-f]{2}){4}\Z")
HOSTNAME_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")  # whole label (fullmatch)
#: the length of a hostname the configuration backends accept (netjsonconfig's
#: ``general.hostname``: at most 63 characters, and its "hostname" format wants 2)
HOSTNAME_LENGTH = (2, 63)


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


def is_hostname(value):
    """A hostname a configuration can use as its ``general.hostname``: 2 to 63 characters,
    dot-separated labels of ASCII letters, digits and hyphens (none starting or ending
    with a hyphen), with at most one final dot."""
    if not isinstance(value, str):
        return False
    shortest, longest = HOSTNAME_LENGTH
    if not shortest <= len(value) <= longest:
        return False
    labels = (value[:-1] if value.endswith(".") else value).split(".")
    return all(HOSTNAME_LABEL_RE.fullmatch(label) for label in labels)


def device_name_validator(value):
    """A device name is a MAC address or a hostname (:func:`is_hostname`): the device's
    configuration is rendered with it as hostname (a MAC with ``-`` for ``:``), and
    the backends refuse anything else."""
    if is_mac_address(value) or is_hostname(value):
        return
    raise ValidationError(_("Must be either a valid hostname or mac address."), code="invalid_name")


key_validator = RegexValidator(
    r"^[^\s/\.]+$", _("The key may not contain spaces, dots or slashes."), code="invalid_key"
)
