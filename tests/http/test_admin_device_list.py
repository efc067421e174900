"""The device list: columns, filters, search, and a query count that does not
grow with the number of devices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from ..factories import DeviceFactory, DeviceGroupFactory, make_config

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(d.name for d in response.context["cl"].result_list)


@pytest.fixture
def fleet():
    office = DeviceGroupFactory(name="office")
    a = make_config(
        DeviceFactory(name="alpha", model="TL-WR", os="OpenWrt 23", group=office)
    ).device
    b = make_config(DeviceFactory(name="bravo", model="RB", os="OpenWrt 22")).device
    get_model("config").objects.filter(device=b).update(status="applied")
    get_model("device").objects.filter(pk=a.pk).update(
        last_ip="203.0.113.5", management_ip="10.0.0.5"
    )
    get_model("device").objects.filter(pk=b.pk).update(last_ip="203.0.113.6")
    DeviceFactory(name="charlie")  # no config yet
    return {"office": office}


def test_list_shows_status_backend_group_and_ip(admin_client, fleet):
    page = admin_client.get(admin_url("device", "changelist")).content.decode()
    assert "alpha" in page and "charlie" in page
    assert "OpenWRT" in page
    assert "office" in page
    assert "10.0.0.5" in page  # management IP preferred
    assert "203.0.113.6" in page  # last IP when there is no management IP


def test_list_shows_last_ip_when_management_ip_is_not_preferred(admin_client, fleet, settings):
    settings.NETJSONCONFIG_MANAGEMENT_IP_DEVICE_LIST = False
    page = admin_client.get(admin_url("device", "changelist")).content.decode()
    assert "203.0.113.5" in page
    assert "10.0.0.5" not in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("config__status__exact=applied", ["bravo"]),
        ("config__status__exact=modified", ["alpha"]),
        ("config__backend__exact=netjsonconfig.OpenWrt", ["alpha", "bravo"]),
        ("model=RB", ["bravo"]),
        ("os=OpenWrt 23", ["alpha"]),
        ("q=bra", ["bravo"]),
        ("q=00:11:22", ["alpha", "bravo", "charlie"]),
        ("q=10.0.0.5", ["alpha"]),
        ("q=203.0.113.6", ["bravo"]),
    ],
)
def test_list_filters_and_search(admin_client, fleet, query, expected):
    response = admin_client.get(f"{admin_url('device', 'changelist')}?{query}")
    assert response.status_code == 200
    assert names(response) == expected


def test_list_filters_by_group(admin_client, fleet):
    url = f"{admin_url('device', 'changelist')}?group__id__exact={fleet['office'].pk}"
    assert names(admin_client.get(url)) == ["alpha"]


def _list_queries(client, count):
    group = DeviceGroupFactory()
    existing = get_model("device").objects.count()
    for _ in range(count - existing):
        make_config(DeviceFactory(group=group))
    client.get(admin_url("device", "changelist"))  # warm up sessions and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(admin_url("device", "changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == count
    return len(queries)


def test_list_query_count_does_not_grow_with_devices(admin_client):
    with_5 = _list_queries(admin_client, 5)
    with_50 = _list_queries(admin_client, 50)
    assert with_50 == with_5
