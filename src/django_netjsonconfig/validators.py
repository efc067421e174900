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


#: what a key may hold besides what ``key_validator`` says: the agent sends its key back
#: *unencoded* in a URL query (``?key=<key>``) and in a form body (``key=<key>``), and
#: reads it from the register answer as a whitespace-separated word: printable ASCII
#: only, and none of the characters that end or change a value there (curl reads
#: brackets and braces in a URL as patterns)
AGENT_KEY_RE = re.compile(r"[!-~]{1,64}")
AGENT_KEY_FORBIDDEN = frozenset("/.&+%#[]{}")  # [] {}: curl's URL globbing


def agent_key_validator(value):
    """A key the agent can send back as it was given: 1 to 64 printable ASCII characters
    (no spaces, no control characters), none of ``/ . & + % # [ ] { }``."""
    if (
        not isinstance(value, str)
        or not AGENT_KEY_RE.fullmatch(value)
        or not AGENT_KEY_FORBIDDEN.isdisjoint(value)
    ):
        raise ValidationError(
            _(
                "The key must be 1 to 64 printable ASCII characters, without spaces and "
                "without any of / . & + % # [ ] { }: the agent sends it back unencoded."
            ),
            code="invalid_key",
        )


def clean_agent_key(instance, exclude, errors, field="key"):
    """For a model's ``clean_fields``: ``agent_key_validator`` on ``field`` when it is
    set, not excluded and without an error yet (an extra check, not one of the field's
    validators, so that the models' migration state does not change)."""
    value = getattr(instance, field)
    if not value or field in (exclude or ()) or field in errors:
        return errors
    try:
        agent_key_validator(value)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.error_list)
    return errors
