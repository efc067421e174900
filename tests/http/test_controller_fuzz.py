"""Bounded fuzzing of every device endpoint: random and hostile requests, and not one
answer of 500 or more, and the controller header on every answer.

What varies: the endpoint (register, checksum, download-config, report-status,
update-info, at both paths, and the VPN server's checksum and download-config), the
method, the device id (the real device's in every form, others, garbage, empty), the
path's end (no trailing slash, extra segments), the parameters (the right key and
secret or not, addresses, statuses, names, MACs, tags, hostile text), how they are
sent (query string, url-encoded body, multipart, broken multipart, binary, not UTF-8,
NUL bytes, over the size limits), the ``Content-Type``, and ``Content-Length`` lies
(shorter or longer than the body, negative, not a number; a longer one either ends the
body early or fails reading, as a client that goes away does under a real server).

Bounded and repeatable: a fixed number of examples, derandomized (the same requests at
every run of the same code), no example database. ``test_controller_*`` files also run
on PostgreSQL and against the sample extension (Makefile).

The first test runs with Django's default middleware: the controller's views and URL
patterns alone must give the header. The second adds ``ControllerHeaderMiddleware``
(as the test settings and the demo site do) and hostile ``Host`` headers, which only
the middleware can answer for.
"""

import io
import string
import uuid
from urllib.parse import quote, urlencode

import pytest
from django.test import Client
from django.test.client import BOUNDARY, encode_multipart
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from django_netjsonconfig.base.device import consistent_key
from django_netjsonconfig.validators import normalize_mac

from ..factories import DeviceFactory, TemplateFactory, make_config
from ..vpn_helpers import WIREGUARD, make_vpn, make_vpn_template
from .test_controller_header import DJANGO_DEFAULT_MIDDLEWARE, OURS

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=200,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

DEVICE_ENDPOINTS = ["checksum", "download-config", "report-status", "update-info"]
ENDPOINTS = (
    ["controller/register"]
    + [f"controller/{e}/{{id}}" for e in DEVICE_ENDPOINTS]
    + ["controller/device/register"]
    + [f"controller/device/{e}/{{id}}" for e in DEVICE_ENDPOINTS]
    + ["controller/vpn/checksum/{vpn}", "controller/vpn/download-config/{vpn}"]
)
METHODS = ["GET", "POST"] * 4 + ["PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "FOO"]
# fixed ids and keys: every run sends the same requests
DEVICE_ID = uuid.UUID("5d1b1a4e-7c52-4c8e-9a3e-2f6f0c1d2e3f")
VPN_ID = uuid.UUID("0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d")
OTHER_ID = uuid.UUID("11111111-2222-4333-8444-555555555555")
HEADER_LINES = ("uuid: ", "key: ", "hostname: ", "is-new: ")

# text of every kind: printable, controls, NUL, non-BMP, what the protocol splits on
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=string.printable, max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "SN\\q",
            "C:\\new\\dir",
            "\\1\\g<0>",
            "{{ name }}",
            "{% raw %}",
            "%s%n",
            "'; DROP TABLE x; --",
            "<script>alert(1)</script>",
            "é" * 70,
            "\U0001f511",
            "a" * 300,
            "x" * 5000,
            "%" * 60_000,
            "key: injected\r\nX-Injected: 1",
            "1e999",
            "NaN",
            "[" * 1000,
        ]
    ),
)
addresses = st.one_of(
    st.ip_addresses().map(str),
    st.sampled_from(
        [
            "",
            "fe80::1%eth0",
            "fe80::1%25eth0",
            "::1.2.3.4",
            "::ffff:10.0.0.1",
            "2001:DB8::1",
            "10.0.0.1/24",
            "010.0.0.1",
            "999.1.1.1",
            "١٢٧.٠.٠.١",
            "10.0.0.1 ",
        ]
    ),
    hostile_text,
)
macs = st.one_of(
    st.binary(min_size=6, max_size=6).map(lambda b: ":".join(f"{x:02X}" for x in b)),
    st.binary(min_size=6, max_size=6).map(lambda b: b.hex()),
    st.sampled_from(["00:11:22:33:44:55", "00-11-22-33-44-55", "00:11:22:33:44", "zz"]),
    hostile_text,
)
names = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.sampled_from(["x", "OpenWrt", "00:11:22:33:44:55", "a" * 64, "a" * 65, "a" * 60_000]),
    hostile_text,
)


@st.composite
def parameters(draw, fleet):
    """The parameters of a request: the right credentials often, anything else too."""
    params = {}
    for name, values in (
        ("key", st.sampled_from([fleet.key, fleet.vpn_key, fleet.key.upper()]) | hostile_text),
        ("secret", st.sampled_from([fleet.secret]) | hostile_text),
        ("name", names),
        ("mac_address", macs),
        (
            "backend",
            st.sampled_from(["netjsonconfig.OpenWrt", "netjsonconfig.OpenWisp"]) | hostile_text,
        ),
        ("management_ip", addresses),
        (
            "status",
            st.sampled_from(["applied", "error", "modified", "running", "deactivated"])
            | hostile_text,
        ),
        ("error_reason", hostile_text),
        ("hardware_id", hostile_text),
        ("tags", st.sampled_from(["fuzz", "fuzz other", "fuzz,other"]) | hostile_text),
        ("os", hostile_text),
        ("model", hostile_text),
        ("system", hostile_text),
    ):
        if draw(st.integers(0, 3)):  # most parameters, most of the time
            params[name] = draw(values)
    if draw(st.booleans()):
        params.update(draw(st.dictionaries(hostile_text, hostile_text, max_size=3)))
    return params


def _id_forms(pk):
    return [
        pk.hex,
        str(pk),
        pk.hex.upper(),
        pk.urn,
        "{" + str(pk) + "}",
        pk.hex[:31],
        pk.hex + "0",
        OTHER_ID.hex,
        "",
        "%00",
        "%ff%fe",
        "..",
        "%2e%2e",
        "%2F",
        "é",
        "a" * 5000,
    ]


@st.composite
def paths(draw, fleet, template, well_formed):
    if well_formed:
        device_id = draw(st.sampled_from([fleet.device_id.hex, str(fleet.device_id)]))
        vpn_id = draw(st.sampled_from([fleet.vpn_id.hex, str(fleet.vpn_id)]))
        ending = ""
    else:
        device_id = draw(st.sampled_from(_id_forms(fleet.device_id)) | st.text(max_size=40))
        vpn_id = draw(st.sampled_from(_id_forms(fleet.vpn_id)) | st.text(max_size=40))
        device_id, vpn_id = (
            value if value.startswith("%") or value == ".." else quote(value, safe="")
            for value in (device_id, vpn_id)
        )
        ending = draw(st.sampled_from(["", "", "no slash", "extra", "double slash"]))
    path = "/" + template.format(id=device_id, vpn=vpn_id) + "/"
    if ending == "no slash":
        path = path[:-1]
    elif ending == "extra":
        path += quote(draw(st.text(max_size=10)), safe="") + "/"
    elif ending == "double slash":
        path += "/"
    return path


def _multipart(params):
    return encode_multipart(BOUNDARY, {k: v for k, v in params.items()})


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
FORM = "application/x-www-form-urlencoded"


@st.composite
def bodies(draw, params, agent_like=False):
    """(body bytes, content type)."""
    kind = (
        "form"
        if agent_like and draw(st.booleans())
        else draw(
            st.sampled_from(
                [
                    "form",
                    "form",
                    "form latin-1",
                    "multipart",
                    "broken multipart",
                    "multipart no boundary",
                    "binary",
                    "NUL",
                    "over the limit",
                    "over Django's limit",
                    "too many fields",
                    "empty",
                ]
            )
        )
    )
    content_type = FORM
    if kind == "form":
        body = urlencode(params).encode("utf-8", "surrogatepass")
    elif kind == "form latin-1":
        body = urlencode(params, encoding="latin-1", errors="replace").encode() + b"&x=\xff\xfe"
    elif kind == "multipart":
        body, content_type = _multipart(params), MULTIPART
    elif kind == "broken multipart":
        body = _multipart(params)
        cut = draw(st.integers(0, len(body)))
        body = body[:cut] + draw(st.binary(max_size=20))
        content_type = draw(
            st.sampled_from(
                [MULTIPART, "multipart/form-data; boundary=other", "multipart/form-data; boundary="]
            )
        )
    elif kind == "multipart no boundary":
        body, content_type = _multipart(params), "multipart/form-data"
    elif kind == "binary":
        body = draw(st.binary(max_size=300))
        content_type = draw(
            st.sampled_from([FORM, MULTIPART, "application/octet-stream", "", "text/plain"])
        )
    elif kind == "NUL":
        body = urlencode(params).encode() + b"&key=\x00&\x00=\x00"
    elif kind == "over the limit":
        body = b"key=" + b"k" * 70_000
    elif kind == "over Django's limit":
        body = b"a=" + b"x" * 2_700_000
    elif kind == "too many fields":
        body, content_type = _multipart({f"f{i}": "1" for i in range(1100)}), MULTIPART
    else:
        body = b""
    charset = draw(st.sampled_from(["", "", "; charset=utf-8", "; charset=latin-1", "; charset=x"]))
    return body, content_type + charset if content_type else content_type


class ShortInput(io.BytesIO):
    """A body shorter than its Content-Length, as a server gives it when the client goes
    away: the end comes early (``eof``) or reading fails."""

    def __init__(self, data, fail):
        super().__init__(data)
        self.fail = fail

    def read(self, size=-1):
        data = super().read(size)
        if self.fail and size is not None and size > len(data):
            raise OSError("client closed the connection")
        return data

    def readline(self, size=-1):
        return self.read(size) if self.fail else super().readline(size)


def _is_mac(value):
    try:
        normalize_mac(value)
    except ValueError:
        return False
    return True


def _method_of(template):
    return "POST" if any(e in template for e in ("register", "report", "update")) else "GET"


@st.composite
def requests(draw, fleet, hostile_host=False):
    """(method, path, body, content type, environ): one request in two as the agent
    would make it (the method, path and credentials right), the others anything."""
    template = draw(st.sampled_from(ENDPOINTS))
    agent_like = draw(st.booleans())
    method = _method_of(template) if agent_like else draw(st.sampled_from(METHODS))
    path = draw(paths(fleet, template, well_formed=agent_like or draw(st.booleans())))
    params = draw(parameters(fleet))
    if agent_like:  # what the agent sends, with what it reports drawn as above
        params["key"] = fleet.vpn_key if "vpn" in template else fleet.key
        params["secret"] = fleet.secret
        params["backend"] = "netjsonconfig.OpenWrt"
        params["status"] = draw(st.sampled_from(["applied", "error", "running"]))
        if "register" in template:
            params["mac_address"] = draw(macs.filter(_is_mac))
            params["name"] = draw(st.sampled_from(["agent", params["mac_address"]]) | names)
            if draw(st.booleans()):
                params["key"] = consistent_key(params["mac_address"].upper(), fleet.secret)
    query = ""
    if method != "POST" or draw(st.integers(0, 3)) == 0:
        query = draw(
            st.sampled_from(["urlencoded", "raw", "bytes"]).flatmap(
                lambda how: (
                    st.just(urlencode(params))
                    if how == "urlencoded"
                    else st.just("&".join(f"{k}={v}" for k, v in params.items()))
                    if how == "raw"
                    else st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
                )
            )
        )
        # WSGI gives the query string as bytes decoded as latin-1
        query = query.encode("utf-8", "surrogatepass").decode("latin-1")
    body, content_type = b"", ""
    if method in ("POST", "PUT", "PATCH") or draw(st.integers(0, 5)) == 0:
        body, content_type = draw(bodies(params, agent_like))
    environ = {
        "QUERY_STRING": query,
        "REMOTE_ADDR": draw(
            st.sampled_from(["192.168.1.10", "10.0.0.2", "2001:db8::7"]) | addresses
        ),
    }
    length = (
        "exact"
        if agent_like
        else draw(
            st.sampled_from(["exact", "exact", "exact", "shorter", "longer", "longer, fails"])
            | st.sampled_from(["-1", "abc", "", "99999999999999999999", " 10"])
        )
    )
    if length == "shorter":
        environ["CONTENT_LENGTH"] = str(max(0, len(body) - draw(st.integers(1, 50))))
    elif length.startswith("longer"):
        environ["CONTENT_LENGTH"] = str(len(body) + draw(st.integers(1, 5000)))
        environ["wsgi.input"] = ShortInput(body, fail=length.endswith("fails"))
    elif length != "exact":
        environ["CONTENT_LENGTH"] = length
    if hostile_host:
        environ["HTTP_HOST"] = draw(
            st.sampled_from(["testserver", "evil.example", "a b", "[::1", "x" * 300, ""])
        )
        if draw(st.booleans()):
            environ["HTTP_X_FORWARDED_FOR"] = draw(addresses)
    return method, path, body, content_type, environ


class Fleet:
    """What the requests know: a device with a configuration, a VPN server, the secret."""

    def __init__(self, secret):
        TemplateFactory(
            tags=["fuzz"],
            config={"general": {"description": "{{ name }} {{ hardware_id }} {{ mac_address }}"}},
        )
        vpn = make_vpn(WIREGUARD, id=VPN_ID, key="fuzz-vpn-key")
        device = DeviceFactory(id=DEVICE_ID, name="fuzzed", mac_address="02:00:00:00:00:01")
        make_config(device, templates=[make_vpn_template(vpn)])
        self.device_id, self.key = device.pk, device.key
        self.vpn_id, self.vpn_key = vpn.pk, vpn.key
        self.secret = secret


def send(client, request):
    method, path, body, content_type, environ = request
    environ = dict(environ)
    stream = environ.pop("wsgi.input", None)
    extra = {"wsgi.input": stream} if stream is not None else {}
    response = client.generic(
        method, path, data=body, content_type=content_type, **environ, **extra
    )
    return response


def check(response, request):
    what = f"{request[0]} {request[1][:200]} -> {response.status_code}"
    assert response.status_code < 500, f"{what}: {response.content[:300]!r}"
    assert response.get("X-Openwisp-Controller") == "true", what
    content_type = response.get("Content-Type")
    assert content_type in ("text/plain", "application/octet-stream"), (what, content_type)
    if content_type == "text/plain":
        body = response.content
        assert b"<html" not in body.lower() and b"Traceback" not in body, what
    headers = response.serialize_headers().decode("latin-1")
    assert not any(line in headers for line in HEADER_LINES), (what, headers)


def agent_registration(fleet):
    """The agent's registration as it sends it: drawn requests rarely get every field
    right, and which of them do changes with any change of the drawing's inputs."""
    body = urlencode(
        {
            "secret": fleet.secret,
            "name": "fuzz-agent",
            "mac_address": "02:00:00:00:00:02",
            "backend": "netjsonconfig.OpenWrt",
        }
    ).encode()
    environ = {"QUERY_STRING": "", "REMOTE_ADDR": "192.168.1.10"}
    return "POST", "/controller/register/", body, FORM, environ


def agent_poll(fleet, key, device_id=DEVICE_ID):
    """The agent's checksum poll, with ``key`` (right or wrong) for ``device_id``."""
    environ = {"QUERY_STRING": urlencode({"key": key}), "REMOTE_ADDR": "192.168.1.10"}
    return "GET", f"/controller/checksum/{device_id.hex}/", b"", "", environ


def test_device_endpoints_fuzzed_with_django_default_middleware(settings, secret):
    settings.MIDDLEWARE = DJANGO_DEFAULT_MIDDLEWARE
    fleet = Fleet(secret)
    client = Client()
    seen = {}

    @FUZZ
    @example(request=agent_registration(fleet))
    @example(request=agent_poll(fleet, fleet.key))
    @example(request=agent_poll(fleet, "wrong-key"))
    @example(request=agent_poll(fleet, fleet.key, OTHER_ID))
    @given(request=requests(fleet))
    def fuzz(request):
        response = send(client, request)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        check(response, request)

    fuzz()
    # the requests went deep too: successes and refusals of many kinds
    assert {200, 201, 400, 403, 404, 405} <= set(seen), seen


def test_device_endpoints_fuzzed_with_the_middleware_and_hostile_hosts(settings, secret):
    settings.MIDDLEWARE = [OURS, *DJANGO_DEFAULT_MIDDLEWARE]
    settings.ALLOWED_HOSTS = ["testserver"]
    fleet = Fleet(secret)
    client = Client(raise_request_exception=False)
    seen = {}

    @hypothesis_settings(FUZZ, max_examples=100)
    @given(request=requests(fleet, hostile_host=True))
    def fuzz(request):
        response = send(client, request)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        check(response, request)

    fuzz()
    assert {200, 400, 404} <= set(seen), seen
