"""JSON: a file of devices read (a list of objects; written by ``io.exporter``)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import strictjson


def read_json(content: str) -> tuple[list[tuple[int, Any]], set[str]]:
    """``([(row number, item)], keys)`` of a JSON text holding a list of devices."""
    try:
        data = strictjson.loads(content)
    except strictjson.JSONInputError as exc:
        raise ValidationError(
            _("The file is not valid JSON: %(error)s.") % {"error": exc}
        ) from None
    if not isinstance(data, list):
        raise ValidationError(_("The JSON file must hold a list of devices."))
    rows = list(enumerate(data, start=1))
    keys = {key for _n, item in rows if isinstance(item, dict) for key in item}
    return rows, keys
