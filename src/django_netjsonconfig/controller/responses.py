"""The controller's answers: plain text, ``X-Openwisp-Controller: true`` on every one.

The agent checks that header to know it talks to a controller, so errors carry it
too: :class:`Refused` ends a request with an error answer, :func:`internal_error`
answers an unexpected exception, :func:`not_found` every unknown path.
"""

import logging
from http.cookies import SimpleCookie
from typing import Any

from django.core.signals import got_request_exception
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import ResponseHeaders
from django.views.decorators.csrf import csrf_exempt

# the logger's name is documented (docs/protocol.md, docs/security.md): the views
# lived in controller/generics.py
logger = logging.getLogger("django_netjsonconfig.controller.generics")


class ControllerResponse(HttpResponse):
    def __init__(
        self,
        content: Any = b"",
        *args: Any,
        content_type: str = "text/plain",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        # the headers given at once: a third cheaper than setting them one by one
        headers = {"Content-Type": content_type, "X-Openwisp-Controller": "true", **(headers or {})}
        super().__init__(content, *args, headers=headers, **kwargs)

    @classmethod
    def ok(cls, content: bytes | str, content_type: str = "text/plain") -> "ControllerResponse":
        """A 200 answer equal to ``cls(content, content_type=content_type)``, made by
        copying a prototype built once by the constructor: the poll path's answer.

        The constructor checks and encodes every header, reads ``DEFAULT_CHARSET``
        through the lazy settings and builds a cookie jar: about 5 µs of a poll's 15
        over the empty view. A copy is about 1 µs. What must not be shared (the
        headers, the cookies, the resource closers) is new in every copy; the rest is
        the prototype's values (tests compare the two attribute by attribute)."""
        prototype = _PROTOTYPES.get((cls, content_type))
        if prototype is None:
            prototype = _PROTOTYPES[cls, content_type] = cls(b"", content_type=content_type)
        response = cls.__new__(cls)
        response.__dict__.update(prototype.__dict__)
        headers = response.headers = ResponseHeaders.__new__(ResponseHeaders)
        headers.__dict__.update(prototype.headers.__dict__)
        headers._store = prototype.headers._store.copy()
        response.cookies = SimpleCookie()
        response._resource_closers = []  # type: ignore[attr-defined]
        if type(content) is bytes:
            response._container = [content]  # type: ignore[attr-defined]  # what the content setter makes of bytes
        else:
            response.content = content
        return response


#: (class, content type) -> the prototype answer of ``ControllerResponse.ok``
_PROTOTYPES: dict[tuple[type, str], ControllerResponse] = {}


class Refused(Exception):
    """Ends a request with an error answer."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.response = ControllerResponse(message, status=status)


def internal_error(request: HttpRequest) -> HttpResponse:
    """The answer to an unexpected exception of a controller view (called in its
    ``except`` block): logged with its traceback, reported to Django's
    ``got_request_exception`` receivers (error trackers) as Django does, and answered
    with a plain 500 carrying the controller header, without any detail. A
    transaction the request runs in (``ATOMIC_REQUESTS``) is rolled back."""
    # the path quoted: a %0A in it must not start a line of its own in the log
    logger.exception("controller: %s %r failed", request.method, request.path)
    for connection in connections.all(initialized_only=True):
        if connection.in_atomic_block:
            transaction.set_rollback(True, using=connection.alias)
    got_request_exception.send(sender=None, request=request)
    return ControllerResponse("error: internal server error", status=500)


@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Every other path under the controller's: a 404 with the controller header (not
    Django's HTML page, nor the redirect of ``APPEND_SLASH``, which the agent would
    take for another server)."""
    if request.path.endswith("/"):
        return ControllerResponse("error: not found", status=404)
    return ControllerResponse('error: not found (controller paths end with "/")', status=404)
