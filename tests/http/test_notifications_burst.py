"""A burst: one template edit that puts a whole fleet in error is one notification per
user ("Configuration error on N devices", linked to the filtered list), delivered in a
number of queries that does not grow with the fleet nor with the users.

The edit goes its real way: the template is saved, its configs are marked and the
fan-out re-renders them in batches, each batch in a transaction of its own whose
``config_status_changed`` signals are sent after its commit.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..factories import TemplateFactory
from ..fleet_helpers import bulk_fleet
from ..notification_helpers import notifications_of, staff, superuser

pytestmark = pytest.mark.django_db(transaction=True)

NOTIFICATION_TABLES = ("notification", "auth_user", "auth_permission")


def break_template(template):
    """An edit that leaves every config of the template unrenderable."""
    template.config = {"general": {"description": "{{ building }}"}}
    template.save()


def delivery_queries(captured):
    """The queries of the deliveries: those reading users and permissions or writing
    notifications."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if any(table in q["sql"] for table in NOTIFICATION_TABLES)
    ]


@pytest.mark.parametrize("devices", [120, 360])
def test_a_template_that_breaks_a_fleet_is_one_notification_per_user(devices, settings):
    settings.NETJSONCONFIG_RENDER_BATCH_SIZE = 120  # three transactions for 360 devices
    users = [superuser()] + [staff(f"viewer-{i}", "view") for i in range(5)]
    template = TemplateFactory(name="base")
    fleet = bulk_fleet(devices, templates=[template])
    assert not notifications_of(users[0])

    with CaptureQueriesContext(connection) as captured:
        break_template(template)

    config_model = get_model("config")
    assert config_model.objects.filter(status="error").count() == devices
    for user in users:
        (row,) = notifications_of(user)
        assert row.type == "config_error"
        assert row.count == devices
        assert row.message == f"Configuration error on {devices:,} devices"
        assert row.url.endswith("/device/?config__status__exact=error")
    # a fixed number of queries per transaction of the fan-out (recipients, switches,
    # open notifications, insert or update), whatever the number of devices and users:
    # each batch is written by chunks of 100 configs, one transaction each
    size = settings.NETJSONCONFIG_RENDER_BATCH_SIZE
    batches = [min(size, devices - start) for start in range(0, devices, size)]
    transactions = sum(-(-batch // 100) for batch in batches)
    found = delivery_queries(captured)
    assert len(found) <= 4 * transactions, found
    assert get_model("notification").objects.count() == len(users)
    assert fleet  # the devices exist


def test_the_filtered_list_of_a_group_shows_the_devices_in_error(settings, client):
    root = superuser()
    template = TemplateFactory(name="base")
    bulk_fleet(3, templates=[template])
    bulk_fleet(2)  # fine devices, not in the list
    break_template(template)
    (row,) = notifications_of(root)
    client.force_login(root)
    page = client.get(row.url)
    assert page.status_code == 200
    assert page.context["cl"].result_count == 3


def test_many_configs_reported_in_error_in_one_transaction_are_one_delivery():
    users = [superuser()] + [staff(f"viewer-{i}", "view", via_group=True) for i in range(3)]
    fleet = bulk_fleet(200)
    found = list(get_model("config").objects.filter(device__in=fleet))
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        for config in found:
            configs.set_status(config, "error", "uci commit failed")
    assert len(delivery_queries(captured)) <= 4
    for user in users:
        (row,) = notifications_of(user)
        assert (row.count, row.message) == (200, "Configuration error on 200 devices")
