"""Bulk actions "add templates" and "remove templates": ordered, only where the backend
matches, required templates never removed, bulk writes and one fan-out."""

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..factories import TemplateFactory
from ..fleet_helpers import apply_action, bulk_fleet, choose_action, messages_of
from ..helpers import config_of, templates_of

pytestmark = pytest.mark.django_db
OPENWISP = "netjsonconfig.OpenWisp"


def test_add_templates_asks_which_ones(admin_client):
    TemplateFactory(name="ntp")
    devices = bulk_fleet(2)

    response = choose_action(admin_client, "add_templates", devices)

    assert response.status_code == 200
    assert "ntp (OpenWRT)" in response.content.decode()


def test_added_templates_come_after_the_others_in_the_chosen_order(admin_client):
    own = TemplateFactory(name="own")
    ntp = TemplateFactory(name="ntp", config={"general": {"description": "ntp"}})
    syslog = TemplateFactory(name="syslog", config={"general": {"ula_prefix": "fd00::/48"}})
    devices = bulk_fleet(3, templates=[own])
    before = {config_of(d).checksum_db for d in devices}

    response = apply_action(
        admin_client, "add_templates", devices, templates=f"{syslog.pk},{ntp.pk}"
    )

    assert response.status_code == 302
    assert messages_of(response) == ['Templates "syslog", "ntp" added to 3 configurations.']
    for device in devices:
        assert templates_of(device) == ["own", "syslog", "ntp"]
        config = config_of(device)
        assert config.checksum_db == configs.render(config).checksum
        assert config.checksum_db not in before


def test_adding_twice_appends_after_what_the_first_time_added(admin_client):
    first, second = TemplateFactory(name="first"), TemplateFactory(name="second")
    devices = bulk_fleet(2)

    apply_action(admin_client, "add_templates", devices, templates=str(first.pk))
    apply_action(admin_client, "add_templates", devices, templates=str(second.pk))

    assert all(templates_of(d) == ["first", "second"] for d in devices)


def test_devices_of_another_backend_or_that_have_the_template_are_skipped(admin_client):
    ntp = TemplateFactory(name="ntp")
    openwrt = bulk_fleet(2)
    having = bulk_fleet(1, templates=[ntp])
    other = bulk_fleet(1, backend=OPENWISP)

    response = apply_action(
        admin_client, "add_templates", openwrt + having + other, templates=str(ntp.pk)
    )

    assert messages_of(response) == [
        'Templates "ntp" added to 2 configurations. 2 devices skipped: they have them '
        "already, have no configuration, or their backend is another one."
    ]
    assert templates_of(other[0]) == []
    assert templates_of(having[0]) == ["ntp"]


def test_adding_no_template_is_refused(admin_client):
    devices = bulk_fleet(1)

    response = apply_action(admin_client, "add_templates", devices, templates="")

    assert response.status_code == 200
    assert "Choose at least one template." in response.content.decode()


def test_removing_templates_re_renders_the_devices_that_used_them(admin_client):
    ntp = TemplateFactory(name="ntp", config={"general": {"description": "ntp"}})
    keep = TemplateFactory(name="keep")
    users = bulk_fleet(2, templates=[keep, ntp])
    others = bulk_fleet(1, templates=[keep])
    before = config_of(users[0]).checksum_db

    response = apply_action(admin_client, "remove_templates", users + others, templates=str(ntp.pk))

    assert messages_of(response) == [
        'Templates "ntp" removed from 2 configurations. 1 device did not use them.'
    ]
    assert templates_of(users[0]) == ["keep"]
    config = config_of(users[0])
    assert config.checksum_db != before
    assert config.checksum_db == configs.render(config).checksum


def test_removing_a_required_template_is_refused_with_its_name(admin_client):
    base = TemplateFactory(name="base", required=True)
    ntp = TemplateFactory(name="ntp")
    devices = bulk_fleet(2, templates=[base, ntp])

    response = apply_action(
        admin_client, "remove_templates", devices, templates=f"{ntp.pk},{base.pk}"
    )

    assert response.status_code == 200
    assert "Required templates cannot be removed: base." in response.content.decode()
    assert all(templates_of(d) == ["base", "ntp"] for d in devices)


def test_template_changes_save_no_config_one_by_one(admin_client):
    ntp = TemplateFactory(name="ntp")
    devices = bulk_fleet(3)
    saves = []
    config_model = get_model("config")
    post_save.connect(
        lambda **kw: saves.append(kw), sender=config_model, weak=False, dispatch_uid="s"
    )
    try:
        apply_action(admin_client, "add_templates", devices, templates=str(ntp.pk))
        apply_action(admin_client, "remove_templates", devices, templates=str(ntp.pk))
    finally:
        post_save.disconnect(sender=config_model, dispatch_uid="s")

    assert saves == []


@pytest.mark.parametrize("action", ["add_templates", "remove_templates"])
def test_as_many_queries_for_40_devices_as_for_10(admin_client, settings, action):
    settings.NETJSONCONFIG_FANOUT = "thread"  # renders after commit: not in this count
    ntp = TemplateFactory(name="ntp")

    def queries(count):
        devices = bulk_fleet(count, templates=[ntp] if action == "remove_templates" else [])
        admin_client.get("/admin/")
        with CaptureQueriesContext(connection) as captured:
            response = apply_action(admin_client, action, devices, templates=str(ntp.pk))
        assert response.status_code == 302
        return len(captured)

    assert queries(40) == queries(10)
