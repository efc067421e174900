"""JSON text from users (admin fields, import files), parsed into values every database
stores and every part of the app handles.

Python's ``json`` module takes more than JSON, and gives values that fail later with
an error that names something else:

- ``NaN``, ``Infinity`` and numbers out of the float range (``1e999``, read as
  infinity) are not JSON: SQLite's ``JSON_VALID`` check then fails with "CHECK
  constraint failed", PostgreSQL's ``jsonb`` with "invalid input syntax";
- an integer of more than 4,300 digits raises a ``ValueError`` (Python's limit on
  converting long integers), and so does writing it back;
- an array or object nested some thousand levels deep raises ``RecursionError``
  (and less deep ones, later, in whatever walks the value recursively);
- ``"\\ud800"`` gives a string with a lone surrogate, which cannot be encoded to UTF-8
  (no database takes it);
- ``"\\u0000"`` gives a NUL character, which PostgreSQL refuses in ``jsonb`` and in
  text columns.

:func:`loads` refuses each with a :class:`JSONInputError` that says what and where;
:func:`check` does the same for a value parsed elsewhere.
"""

import json
import math

#: arrays and objects nested deeper than this are refused (NetJSON needs about 6)
MAX_DEPTH = 64


class JSONInputError(ValueError):
    """JSON text that is not valid, or holds a value the app does not store."""

    def __init__(self, message, line=None, column=None):
        super().__init__(message)
        self.message, self.line, self.column = message, line, column

    def __str__(self):
        if self.line is None:
            return self.message
        return f"{self.message} (line {self.line}, column {self.column})"


def _refuse_constant(name):
    raise JSONInputError(f"{name} is not a JSON number")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise JSONInputError(f"the number {text[:20]}… is out of range")
    return value


def _bounded_int(text):
    try:
        return int(text)
    except ValueError:  # more than sys.get_int_max_str_digits() digits
        raise JSONInputError(f"a number has {len(text.lstrip('-'))} digits (too many)") from None


_decoder = json.JSONDecoder(
    parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int
)


def loads(text):
    """The value of the JSON ``text`` (str), or :class:`JSONInputError`."""
    try:
        value = _decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONInputError(exc.msg, exc.lineno, exc.colno) from None
    except RecursionError:
        raise JSONInputError(f"arrays or objects are nested more than {MAX_DEPTH} deep") from None
    check(value)
    return value


def check(value):
    """Raise :class:`JSONInputError` if ``value`` (made of dicts, lists, strings,
    numbers, booleans and None) holds something :func:`loads` refuses."""
    stack = [(value, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, str):
            _check_text(item, where)
        elif isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise JSONInputError(f"arrays or objects are nested more than {MAX_DEPTH} deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    path = f"{where}/{_label(key)}"
                    if isinstance(key, str):
                        _check_text(key, path, key=True)
                    stack.append((child, depth + 1, path))
            else:
                stack.extend((child, depth + 1, f"{where}/{i}") for i, child in enumerate(item))
        elif isinstance(item, float) and not math.isfinite(item):
            raise JSONInputError(f"{item} is not a JSON number{_at(where)}")


def _check_text(text, where, key=False):
    what = "a key" if key else "a string"
    if "\x00" in text:
        raise JSONInputError(f"{what} contains a NUL character (\\u0000){_at(where)}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JSONInputError(
            f"{what} contains a lone surrogate (a \\ud800-\\udfff escape alone){_at(where)}"
        ) from None


def _label(key):
    """``key`` as a part of a path in a message: short, what cannot be shown escaped."""
    text = str(key)
    label = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text[:40])
    return label + ("…" if len(text) > 40 else "")


def _at(where):
    return f" at {where}" if where else ""
