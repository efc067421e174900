"""The API's JSON parser: ``strictjson`` instead of Python's ``json``.

Python's parser takes ``NaN``, builds a ``RecursionError`` from an array nested some
thousand levels deep, and gives strings with a NUL or a lone surrogate that no database
stores; each would become a 500 later. ``strictjson`` refuses them with a message that
says what and where: a 400.
"""

from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from .. import strictjson


class StrictJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(f"JSON parse error: the body is not {encoding} text") from exc
        if not text.strip():
            raise ParseError("JSON parse error: the body is empty")
        try:
            return strictjson.loads(text)
        except strictjson.JSONInputError as exc:
            raise ParseError(f"JSON parse error: {exc}") from None
