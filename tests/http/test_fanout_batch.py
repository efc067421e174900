"""A fan-out batch: reads in a bounded number of queries, renders as a single refresh
would, and writes each config only if no newer re-render was requested meanwhile."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs, groups, relations
from django_netjsonconfig.fleet import fanout

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..helpers import edit_timezone
from ..vpn_helpers import OPENVPN, client_of, make_vpn, make_vpn_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded_only(settings):
    """Changes are only recorded: the test runs the batches itself."""
    settings.NETJSONCONFIG_FANOUT = "celery"
    settings.CELERY_BROKER_URL = "memory://"


def pending_pks():
    pending = get_model("config").objects.filter(render_pending__gt=0)
    return set(pending.values_list("pk", flat=True))


def test_a_batch_reads_the_same_whatever_its_size_and_writes_each_config_once(recorded_only):
    shared, other = TemplateFactory(), TemplateFactory(config={"dns_servers": ["10.0.0.1"]})
    few = [make_config(templates=[shared, other]) for _ in range(2)]
    many = [make_config(templates=[other, shared]) for _ in range(9)]
    edit_timezone(shared, "Asia/Tokyo")

    def queries(batch):
        with CaptureQueriesContext(connection) as captured:
            assert fanout.render_batch([c.pk for c in batch]) == len(batch)
        return [q["sql"] for q in captured.captured_queries]

    small, large = queries(few), queries(many)
    updates = [sql for sql in large if sql.startswith("UPDATE")]
    assert len(updates) == len(many)
    assert len(large) - len(many) == len(small) - len(few)
    assert not pending_pks()


def test_a_batch_stores_what_a_single_refresh_stores_templates_in_their_order(recorded_only):
    first = TemplateFactory(config={"general": {"timezone": "Europe/Rome"}})
    second = TemplateFactory(config={"general": {"timezone": "Europe/Berlin"}})
    one = make_config(templates=[first, second])
    two = make_config(templates=[second, first])
    edit_timezone(TemplateFactory(), "UTC")  # nothing to do with them
    fanout.mark(get_model("config").objects.filter(pk__in=[one.pk, two.pk]), "config_changed")
    fanout.render_batch([one.pk, two.pk])
    for config in (one, two):
        stored = get_model("config").objects.select_related("device").get(pk=config.pk)
        assert stored.checksum_db == configs.render(stored).checksum
    assert relations.ordered_templates_of([one.pk, two.pk]) == {
        one.pk: [first, second],
        two.pk: [second, first],
    }


def test_templates_added_at_the_same_position_keep_the_order_they_were_added_in():
    config = make_config()
    a, b = TemplateFactory(), TemplateFactory()
    configs_ = get_model("config").objects.filter(pk=config.pk)
    relations.bulk_add(configs_, a, position=0)
    relations.bulk_add(configs_, b, position=0)  # the same sort value
    assert configs.ordered_templates(config) == [a, b]
    assert relations.ordered_templates_of([config.pk])[config.pk] == [a, b]


def test_a_batch_does_not_clear_a_request_made_while_it_was_rendering(recorded_only):
    template = TemplateFactory()
    fleet = [make_config(templates=[template]) for _ in range(3)]
    edit_timezone(template, "Asia/Tokyo")
    late = fleet[1]

    def newer_request(config, templates):
        if config.pk == late.pk:  # another change to it commits during the batch
            fanout.mark(get_model("config").objects.filter(pk=late.pk), "config_changed")

    configs.before_render.register("test-newer-request", newer_request)
    try:
        fanout.render_batch([c.pk for c in fleet])
    finally:
        configs.before_render.unregister("test-newer-request")
    assert pending_pks() == {late.pk}
    fanout.render_pending()
    assert not pending_pks()


def test_the_vpn_synchronization_is_skipped_without_vpn_template_or_client(recorded_only):
    template = TemplateFactory()
    fleet = [make_config(templates=[template]) for _ in range(4)]
    edit_timezone(template, "Asia/Tokyo")
    with CaptureQueriesContext(connection) as captured:
        fanout.render_batch([c.pk for c in fleet])
    vpn_table = get_model("vpnclient")._meta.db_table
    # one query asks which configs of the batch have a client; none asks per config
    assert sum(vpn_table in q["sql"] for q in captured.captured_queries) == 1


def test_removing_a_groups_vpn_template_deletes_the_clients_in_the_batches(recorded_only):
    vpn = make_vpn(OPENVPN)
    template = make_vpn_template(vpn)
    group = DeviceGroupFactory()
    members = [make_config(DeviceFactory(group=group)) for _ in range(2)]
    groups.templates_changed(group, [], [template])
    fanout.render_pending()
    certs = [client_of(config).cert for config in members]

    groups.templates_changed(group, [template], [])
    fanout.render_pending()

    assert not get_model("vpnclient").objects.filter(config__in=members).exists()
    for cert in certs:
        cert.refresh_from_db()
        assert cert.revoked
