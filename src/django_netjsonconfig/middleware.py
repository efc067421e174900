"""Middleware of the controller paths: the device's address behind a proxy, and the
controller header on every answer.

``ForwardedForMiddleware``: the device's address when a reverse proxy passes it in
``X-Forwarded-For``.

The controller records the address a device polls from (``REMOTE_ADDR``). Behind
a proxy that is the proxy's own address, unless the proxy speaks the PROXY
protocol to gunicorn (``--proxy-protocol``). For proxies that send
``X-Forwarded-For`` instead, put :class:`ForwardedForMiddleware` first in
``MIDDLEWARE`` and list them in ``NETJSONCONFIG_TRUSTED_PROXIES`` (addresses or
networks, e.g. ``["127.0.0.1", "10.0.0.0/8"]``).

Only a request whose ``REMOTE_ADDR`` is a listed proxy is rewritten, to the
right-most address of the header that is not a listed proxy itself: the
addresses left of it were written by the client and prove nothing. A header that
is missing or holds something other than addresses leaves the request as it is.

``ControllerHeaderMiddleware``: every answer under the controller's paths carries
``X-Openwisp-Controller: true``, those made outside the controller's views too (a
``DisallowedHost`` refusal, an exception in another middleware); see its docstring.
"""

import ipaddress
import threading
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponseBase
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from .controller.generics import ControllerResponse
from .settings import app_settings
from .utils import NOT_FOUND

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
GetResponse = Callable[[HttpRequest], HttpResponseBase]


def trusted_networks() -> tuple[IPNetwork, ...]:
    """``NETJSONCONFIG_TRUSTED_PROXIES`` parsed; ImproperlyConfigured for a bad entry."""
    value = app_settings.TRUSTED_PROXIES
    if isinstance(value, str):
        value = [value]

    def parse() -> tuple[IPNetwork, ...]:
        networks: list[IPNetwork] = []
        for item in value:
            try:
                networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"NETJSONCONFIG_TRUSTED_PROXIES: {item!r} is not an address or a network"
                ) from None
        return tuple(networks)

    return app_settings.cached(("trusted_proxies", tuple(map(str, value))), parse)


def _address(text: str) -> IPAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: IPAddress | None, networks: tuple[IPNetwork, ...]) -> bool:
    return address is not None and any(address in network for network in networks)


def client_address(
    remote_addr: str | None, forwarded_for: str | None, networks: tuple[IPNetwork, ...]
) -> str | None:
    """The address to use for a request from ``remote_addr`` carrying
    ``forwarded_for``; None to keep ``remote_addr``."""
    if not networks or not forwarded_for or not _trusted(_address(remote_addr or ""), networks):
        return None
    for item in reversed(forwarded_for.split(",")):
        address = _address(item)
        if address is None:
            return None  # not a list of addresses: trust none of it
        if not _trusted(address, networks):
            return str(address)
    return None  # proxies all the way: the nearest one is as good as any


class ForwardedForMiddleware:
    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response
        trusted_networks()  # a bad setting fails at start-up, not at the first request

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        networks = trusted_networks()
        if networks:
            meta = request.META
            client = client_address(
                meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), networks
            )
            if client is not None:
                meta["REMOTE_ADDR"] = client
        return self.get_response(request)


HEADER = "X-Openwisp-Controller"
#: headers of an error answer made outside the controller that its replacement keeps
KEPT_HEADERS = ("Allow", "Location", "Retry-After")


class ControllerHeaderMiddleware:
    """The controller header on every answer under the controller's paths.

    The controller's views answer everything they meet with the header (errors and
    unexpected exceptions included), and the patterns of ``get_controller_urls``
    answer every other path under ``controller/``. What happens before a view runs
    or after it returns is not theirs: Django's 400 for a ``Host`` not in
    ``ALLOWED_HOSTS`` (``DisallowedHost``), an exception raised by another
    middleware, an ``ATOMIC_REQUESTS`` commit that fails. Put this middleware
    *first* in ``MIDDLEWARE``: an answer under the controller's paths that lacks the
    header gets it, and an error answer (4xx, 5xx: Django's HTML pages, a traceback
    with ``DEBUG``) is replaced with ``error: <reason>`` as plain text, with the same
    status. Other paths are left alone.

    The controller's paths are those of the URL patterns included with the
    ``controller`` application namespace (``include("...controller.urls",
    namespace="controller")``), under whatever prefix the site chose. The
    controller's own answers, which carry the header already, cost one lookup.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if HEADER in response.headers or not is_controller_request(request):
            return response
        return controller_answer(response)


def controller_answer(response: HttpResponseBase) -> HttpResponseBase:
    """``response`` made a controller answer (see ``ControllerHeaderMiddleware``)."""
    if response.status_code < 400 or response.streaming:
        # (a streaming answer is not replaced: what it holds is closed with it, by the
        # server; Django's error pages are not streamed)
        response[HEADER] = "true"
        return response
    reason = (response.reason_phrase or "error").lower()
    answer = ControllerResponse(f"error: {reason}", status=response.status_code)
    for name in KEPT_HEADERS:
        if name in response.headers:
            answer[name] = response[name]
    # not response.close(): it sends request_finished, which closes the database
    # connections while the request runs (the server closes the answer it gets)
    return answer


def is_controller_request(request: HttpRequest) -> bool:
    """Whether ``request`` is under the controller's paths."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "controller" in match.app_names
    # not resolved (refused before, or a path no pattern matches): by its path
    prefix = controller_prefix(getattr(request, "urlconf", None))
    path = request.path
    return prefix is not None and (path == prefix or path.startswith(prefix + "/"))


_prefixes: dict[tuple[Any, str], str | None] = {}
_prefixes_lock = threading.Lock()


def controller_prefix(urlconf: Any = None) -> str | None:
    """The path of the controller's patterns (``/controller`` when they are included
    at the root), or None when the URL configuration has none."""
    urlconf = urlconf or get_urlconf()  # the request's, or ROOT_URLCONF
    key = (urlconf, get_script_prefix())
    try:
        return _prefixes[key]
    except KeyError:
        pass
    try:
        prefix = reverse(f"controller:{NOT_FOUND}", urlconf=urlconf).rstrip("/")
    except NoReverseMatch:
        prefix = None
    with _prefixes_lock:
        _prefixes[key] = prefix
    return prefix
