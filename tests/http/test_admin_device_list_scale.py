"""The device list at fleet scale: a fixed number of queries per page whatever the
number of devices, counts by status in one GROUP BY, search by MAC in any notation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model

from ..factories import DeviceFactory, DeviceGroupFactory
from ..fleet_helpers import bulk_fleet, changelist_url

pytestmark = pytest.mark.django_db


def list_queries(client, query=""):
    client.get(changelist_url(query))  # warm up sessions and caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(changelist_url(query))
    assert response.status_code == 200
    return response, queries


@pytest.mark.parametrize("query", ["", "config__status__exact=modified", "q=fleet", "model=RB"])
def test_list_makes_as_many_queries_for_200_devices_as_for_20(admin_client, query):
    group = DeviceGroupFactory()
    bulk_fleet(20, group=group, model="RB", render=False)
    _response, with_20 = list_queries(admin_client, query)
    bulk_fleet(180, group=group, model="RB", render=False)
    response, with_200 = list_queries(admin_client, query)

    assert response.context["cl"].result_count == 200
    assert len(with_200) == len(with_20), [q["sql"] for q in with_200.captured_queries]


def test_list_does_not_count_the_whole_table_nor_load_rendered_archives(admin_client):
    bulk_fleet(3)
    response, queries = list_queries(admin_client)

    cl = response.context["cl"]
    assert cl.show_full_result_count is False
    device = cl.result_list[0]
    assert {"config", "context", "archive"} <= device.config.get_deferred_fields()
    assert not any('"archive"' in q["sql"] for q in queries.captured_queries)


def test_list_shows_counts_by_status_in_one_group_by(admin_client):
    devices = bulk_fleet(5, render=False)
    config_model = get_model("config")
    config_model.objects.filter(device__in=devices[:2]).update(status="applied")
    config_model.objects.filter(device=devices[2]).update(status="error")
    DeviceFactory()  # no configuration

    response, queries = list_queries(admin_client)

    counts = {c["status"]: c["count"] for c in response.context["netjsonconfig_status_counts"]}
    assert counts == {"applied": 2, "modified": 2, "error": 1, "none": 1}
    assert sum("GROUP BY" in q["sql"] for q in queries.captured_queries) == 1
    page = response.content.decode()
    assert 'data-status="applied">2<' in page
    assert "config__status__exact=error" in page


def test_counts_by_status_stay_whole_while_the_list_is_filtered_by_status(admin_client):
    devices = bulk_fleet(3, render=False)
    get_model("config").objects.filter(device=devices[0]).update(status="applied")

    response, _queries = list_queries(admin_client, "config__status__exact=applied")

    assert response.context["cl"].result_count == 1
    items = {c["status"]: c for c in response.context["netjsonconfig_status_counts"]}
    assert items["applied"]["count"] == 1 and items["applied"]["active"]
    assert items["modified"]["count"] == 2 and not items["modified"]["active"]


def test_counts_by_status_follow_the_other_filters(admin_client):
    office = DeviceGroupFactory()
    bulk_fleet(2, group=office, render=False)
    bulk_fleet(3, render=False)

    response, _queries = list_queries(admin_client, f"group__id__exact={office.pk}")

    counts = {c["status"]: c["count"] for c in response.context["netjsonconfig_status_counts"]}
    assert counts["modified"] == 2


def test_devices_without_configuration_can_be_listed_from_their_count(admin_client):
    bulk_fleet(2, render=False)
    bare = DeviceFactory(name="bare")

    response, _queries = list_queries(admin_client, "config__status__isnull=True")

    assert [d.pk for d in response.context["cl"].result_list] == [bare.pk]


@pytest.mark.parametrize("term", ["02-00-00-AB-CD-EF", "020000abcdef", "02:00:00:ab:cd:ef"])
def test_search_finds_a_mac_address_in_any_notation(admin_client, term):
    device = DeviceFactory(mac_address="02:00:00:AB:CD:EF")
    DeviceFactory()

    response, _queries = list_queries(admin_client, f"q={term}")

    assert [d.pk for d in response.context["cl"].result_list] == [device.pk]


def test_search_by_a_name_that_looks_like_a_mac_address_still_finds_it(admin_client):
    device = DeviceFactory(name="deadbeef0123")

    response, _queries = list_queries(admin_client, "q=deadbeef0123")

    assert [d.pk for d in response.context["cl"].result_list] == [device.pk]
