"""``ControllerResponse.ok``: the poll path's answer, copied from a prototype, must be
the very object the constructor builds, and copies must share nothing mutable."""

import pytest
from django.http import HttpResponse

from django_netjsonconfig.controller.generics import ControllerResponse

from ..basics import md5
from ..helpers import device_with_config


def _state(response):
    """Everything an answer is made of, mutable parts as plain values."""
    state = dict(vars(response))
    state["headers"] = list(response.headers.items())
    state["cookies"] = sorted(response.cookies.items())
    state["_container"] = list(response._container)
    return state


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"0123456789abcdef0123456789abcdef", "text/plain"),
        (b"\x1f\x8b\x08\x00archive bytes", "application/octet-stream"),
        (b"", "text/plain"),
    ],
)
def test_ok_builds_what_the_constructor_builds(content, content_type):
    built = ControllerResponse(content, content_type=content_type)
    copied = ControllerResponse.ok(content, content_type=content_type)
    again = ControllerResponse.ok(content, content_type=content_type)  # from the prototype
    assert type(copied) is ControllerResponse
    assert _state(copied) == _state(built) == _state(again)
    assert copied.serialize() == built.serialize()
    assert copied.status_code == 200
    assert copied["X-Openwisp-Controller"] == "true"
    assert copied["Content-Type"] == content_type


def test_copies_share_no_headers_cookies_or_closers():
    first = ControllerResponse.ok(b"a")
    second = ControllerResponse.ok(b"b")
    first["Content-Disposition"] = "attachment; filename=x.tar.gz"
    first.set_cookie("seen", "1")
    first._resource_closers.append(lambda: None)
    first.write(b"more")
    third = ControllerResponse.ok(b"c")
    for other in (second, third):
        assert not other.has_header("Content-Disposition")
        assert not other.cookies
        assert other._resource_closers == []
    assert second.content == b"b"
    assert third.content == b"c"
    assert first.content == b"amore"


def test_a_subclass_gets_its_own_prototype():
    class Other(ControllerResponse):
        pass

    plain = ControllerResponse.ok(b"x")
    other = Other.ok(b"x")
    assert type(plain) is ControllerResponse
    assert type(other) is Other
    assert type(ControllerResponse.ok(b"y")) is ControllerResponse


def test_a_str_body_is_encoded_as_the_constructor_does():
    assert ControllerResponse.ok("abc").content == HttpResponse("abc").content


@pytest.mark.django_db
def test_checksum_and_download_answers_through_the_middleware(device_client):
    device = device_with_config(config={"general": {"timezone": "Europe/Rome"}})
    for _ in range(2):  # the second time from the cache and the prototypes
        checksum = device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
        archive = device_client.get(
            f"/controller/download-config/{device.pk}/", {"key": device.key}
        )
        assert checksum.status_code == archive.status_code == 200
        assert checksum["Content-Type"] == "text/plain"
        assert archive["Content-Type"] == "application/octet-stream"
        assert archive["Content-Disposition"] == f"attachment; filename={device.name}.tar.gz"
        assert checksum["Content-Length"] == "32"
        # the site's middleware still applies (SecurityMiddleware's header)
        assert checksum["X-Content-Type-Options"] == "nosniff"
        assert checksum.content.decode() == md5(archive.content)
