"""CSV: cells no spreadsheet runs as a formula, and a CSV file read.

In CSV, a cell that a spreadsheet would take for a formula (one starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return, after any leading spaces) is written
with a single quote before it, as is a cell that starts with a quote; an import
removes that one quote, so a file exported then imported gives back the same values
(:func:`defuse_cell`, :func:`restore_cell`).
"""

import csv
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .columns import REQUIRED

#: what makes a spreadsheet read a cell as a formula (OWASP's list): ``=1+1``,
#: ``@SUM(...)``, ``-2+3``, ``=cmd|' /C calc'!A0``...
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: leading characters spreadsheets skip before they look for a formula
SKIPPED_BEFORE_FORMULA = " \n\u00a0"


def _needs_quote(value: str) -> bool:
    return value[:1] == "'" or value.lstrip(SKIPPED_BEFORE_FORMULA)[:1] in FORMULA_STARTS


def defuse_cell(value: Any) -> Any:
    """A CSV cell no spreadsheet runs as a formula: ``'`` before a value that would be
    one, and before a value that starts with ``'`` (so that :func:`restore_cell` knows
    which quote to remove)."""
    if isinstance(value, str) and value and _needs_quote(value):
        return "'" + value
    return value


def restore_cell(value: Any) -> Any:
    """The value :func:`defuse_cell` was given: its quote removed. A quote before a
    formula in a hand-written file goes too, as a spreadsheet would not show it."""
    if isinstance(value, str) and value[:1] == "'" and _needs_quote(value[1:]):
        return value[1:]
    return value


class Echo:
    """A file that hands back what is written to it (for a streaming response)."""

    def write(self, value: str) -> str:
        return value


def restore_row(row: dict[str, Any]) -> dict[str, Any]:
    """A CSV row with the quotes of :func:`defuse_cell` removed."""
    return {name: restore_cell(value) for name, value in row.items()}


def read_csv(content: str) -> tuple[list[tuple[int, Any]], set[str]]:
    """``([(row number, dict)], column names)`` of a CSV text."""
    # strict: a quote left open is an error, not the rest of the file in one cell
    reader = csv.DictReader(io.StringIO(content), strict=True)
    try:
        rows = [(n, row) for n, row in enumerate(reader, start=1) if any(row.values())]
    except csv.Error as exc:
        raise ValidationError(
            _("The CSV file cannot be read: %(error)s.") % {"error": exc}
        ) from None
    for number, row in rows:
        if None in row:  # more cells than the header has names
            raise ValidationError(
                _("Row %(row)d has more values than the header has columns.") % {"row": number}
            )
    keys = set(reader.fieldnames or ())
    missing = [name for name in REQUIRED if name not in keys]
    if missing:
        raise ValidationError(
            _("The CSV header lacks the columns: %(names)s.") % {"names": ", ".join(missing)}
        )
    return rows, keys
