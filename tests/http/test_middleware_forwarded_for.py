"""ForwardedForMiddleware: the device's address from a trusted proxy's X-Forwarded-For."""

import ipaddress

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.middleware import ForwardedForMiddleware, client_address

from ..helpers import device_with_config

MIDDLEWARE = "django_netjsonconfig.middleware.ForwardedForMiddleware"


@pytest.fixture
def behind_proxy(settings):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    settings.NETJSONCONFIG_TRUSTED_PROXIES = ["127.0.0.1", "10.9.0.0/16"]


def poll_from(remote_addr, forwarded=None):
    device = device_with_config()
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    client = Client(REMOTE_ADDR=remote_addr, **headers)
    response = client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    assert response.status_code == 200
    return get_model("device").objects.get(pk=device.pk).last_ip


@pytest.mark.django_db
def test_a_trusted_proxy_gives_the_device_address(behind_proxy):
    assert poll_from("127.0.0.1", "192.168.7.20") == "192.168.7.20"


@pytest.mark.django_db
def test_addresses_written_by_the_client_are_not_believed(behind_proxy):
    # the device wrote "192.168.1.1" itself; the proxy appended what it saw
    assert poll_from("127.0.0.1", "192.168.1.1, 172.16.0.9") == "172.16.0.9"
    # a chain of trusted proxies: the first address that is not one of them
    assert poll_from("10.9.1.1", "172.16.0.8, 10.9.3.3") == "172.16.0.8"


@pytest.mark.django_db
def test_a_request_not_from_a_proxy_keeps_its_address(behind_proxy):
    assert poll_from("172.16.5.5", "192.168.7.20") == "172.16.5.5"


@pytest.mark.django_db
def test_a_header_that_is_not_addresses_is_ignored(behind_proxy):
    assert poll_from("127.0.0.1", "unknown, <script>") == "127.0.0.1"
    assert poll_from("127.0.0.1", "") == "127.0.0.1"


@pytest.mark.django_db
def test_without_trusted_proxies_nothing_changes(settings):
    settings.MIDDLEWARE = [MIDDLEWARE, *settings.MIDDLEWARE]
    settings.NETJSONCONFIG_TRUSTED_PROXIES = []
    assert poll_from("127.0.0.1", "192.168.7.20") == "127.0.0.1"


def test_ipv6_and_ports():
    networks = (ipaddress.ip_network("::1/128"),)
    assert client_address("::1", "[2001:db8::5]", networks) == "2001:db8::5"
    assert client_address("::1", "2001:db8::5, ::1", networks) == "2001:db8::5"
    assert client_address("::1", "::1", networks) is None


def test_a_bad_setting_stops_start_up(settings):
    settings.NETJSONCONFIG_TRUSTED_PROXIES = ["127.0.0.1", "not-a-network"]
    with pytest.raises(ImproperlyConfigured, match="not-a-network"):
        ForwardedForMiddleware(lambda request: None)
