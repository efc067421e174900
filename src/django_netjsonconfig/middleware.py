"""The device's address when a reverse proxy passes it in ``X-Forwarded-For``.

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
"""

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from .settings import app_settings


def trusted_networks():
    """``NETJSONCONFIG_TRUSTED_PROXIES`` parsed; ImproperlyConfigured for a bad entry."""
    value = app_settings.TRUSTED_PROXIES
    if isinstance(value, str):
        value = [value]

    def parse():
        networks = []
        for item in value:
            try:
                networks.append(ipaddress.ip_network(str(item).strip(), strict=False))
            except ValueError:
                raise ImproperlyConfigured(
                    f"NETJSONCONFIG_TRUSTED_PROXIES: {item!r} is not an address or a network"
                ) from None
        return tuple(networks)

    return app_settings.cached(("trusted_proxies", tuple(map(str, value))), parse)


def _address(text):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address, networks):
    return address is not None and any(address in network for network in networks)


def client_address(remote_addr, forwarded_for, networks):
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
    def __init__(self, get_response):
        self.get_response = get_response
        trusted_networks()  # a bad setting fails at start-up, not at the first request

    def __call__(self, request):
        networks = trusted_networks()
        if networks:
            meta = request.META
            client = client_address(
                meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"), networks
            )
            if client is not None:
                meta["REMOTE_ADDR"] = client
        return self.get_response(request)
