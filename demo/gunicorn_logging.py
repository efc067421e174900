"""gunicorn's logger, with the device keys and secrets taken out of its logs.

Every poll of a device carries its key in the query string
(``/controller/checksum/<id>/?key=...``); an access log that records it as is
hands every device's credentials to whoever reads the log. This logger replaces
the value of each ``key`` or ``secret`` parameter with ``[redacted]``:

- in the access log, in every atom that can show a query string (the request
  line ``%(r)s``, ``%(q)s``, the referrer ``%(f)s``, ``%({raw_uri}e)s``,
  ``%({query_string}e)s``, ``%({referer}i)s``), whatever the access log format;
- in the error log, whose messages quote the request line of a request gunicorn
  could not parse, or of one that failed.

Parameter names are compared after percent-decoding and lower-casing (``K%65y``
counts as ``key``): more is redacted rather than less.

``demo/gunicorn_conf.py`` selects it (``logger_class``); for other servers, see
"Logs" in ``docs/deployment.md``.
"""

import logging
import re
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

#: query parameters whose values never reach the logs (compared lower-cased)
SECRET_PARAMETERS = frozenset({"key", "secret"})
REDACTED = "[redacted]"

#: access log atoms that can carry a query string
URL_ATOMS = ("r", "q", "f", "{raw_uri}e", "{query_string}e", "{referer}i")

# ``name=value``: a value runs to the next "&" (as Django splits a query string) or to
# a blank (the end of the URL in a request line "GET /path?query HTTP/1.1"); a name
# starts after any separator a URL or a message can put before it
_PARAMETER = re.compile(r"(?P<name>[^&;=\s?/'\"]*)=(?P<value>[^&\s]*)")


def _replace(match):
    name = unquote_plus(match.group("name")).strip().lower()
    if name in SECRET_PARAMETERS:
        return f"{match.group('name')}={REDACTED}"
    return match.group(0)


def redact(text):
    """``text`` (a query string, a URL, a request line, a log message) with the value of
    every ``key`` and ``secret`` parameter replaced by ``[redacted]``."""
    if not isinstance(text, str) or "=" not in text:
        return text
    return _PARAMETER.sub(_replace, text)


class _RedactingFilter(logging.Filter):
    """Redacts the formatted message of every record of the error log."""

    def filter(self, record):
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


class RedactingLogger(Logger):
    """gunicorn's ``Logger`` whose access and error logs show no key and no secret."""

    def setup(self, cfg):
        super().setup(cfg)
        if not any(isinstance(f, _RedactingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(_RedactingFilter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if name in atoms:
                atoms[name] = redact(atoms[name])
        return atoms
