"""Bulk action "change group": the devices leave the old group's templates and get
the new group's, in bulk writes, re-rendered, with a signal per device."""

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.signals import device_group_changed

from ..factories import DeviceGroupFactory, TemplateFactory
from ..fleet_helpers import apply_action, bulk_fleet, choose_action, messages_of
from ..helpers import templates_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups():
    old_template = TemplateFactory(name="old-vlan", config={"general": {"description": "old"}})
    new_template = TemplateFactory(name="new-vlan", config={"general": {"description": "new"}})
    old, new = DeviceGroupFactory(name="old"), DeviceGroupFactory(name="new")
    old.templates.set([old_template])
    new.templates.set([new_template])
    return old, new, old_template, new_template


def test_the_action_asks_for_the_group_and_names_the_devices(admin_client, groups):
    devices = bulk_fleet(3)

    response = choose_action(admin_client, "change_group", devices)

    assert response.status_code == 200
    page = response.content.decode()
    assert "3 devices selected" in page
    assert devices[0].name in page
    assert 'name="group"' in page and ">new<" in page


def test_changing_the_group_swaps_the_group_templates_and_re_renders(
    admin_client, groups, django_capture_on_commit_callbacks
):
    old, new, old_template, new_template = groups
    own = TemplateFactory(name="own")
    devices = bulk_fleet(3, group=old, templates=[own, old_template])
    checksums = {d.config.checksum_db for d in devices}
    sent = []
    device_group_changed.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="t")

    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = apply_action(admin_client, "change_group", devices, group=str(new.pk))
    finally:
        device_group_changed.disconnect(dispatch_uid="t")

    assert response.status_code == 302
    assert messages_of(response) == ['3 devices moved to group "new".']
    for device in devices:
        device.refresh_from_db()
        assert device.group == new
        assert templates_of(device) == ["own", "new-vlan"]
        config = get_model("config").objects.get(device=device)
        assert config.render_pending == 0
        assert config.checksum_db == configs.render(config).checksum
        assert config.checksum_db not in checksums
    assert sorted(str(s["instance"].pk) for s in sent) == sorted(str(d.pk) for d in devices)
    assert {(s["old_group_id"], s["group_id"]) for s in sent} == {(old.pk, new.pk)}


def test_no_group_removes_the_group_and_its_templates(admin_client, groups):
    old, _new, old_template, _new_template = groups
    devices = bulk_fleet(2, group=old, templates=[old_template])

    response = apply_action(admin_client, "change_group", devices, group="")

    assert messages_of(response) == ["2 devices moved to no group."]
    for device in devices:
        device.refresh_from_db()
        assert device.group is None
        assert templates_of(device) == []


def test_required_templates_stay_when_a_device_leaves_a_group(admin_client):
    required = TemplateFactory(name="base", required=True)
    group = DeviceGroupFactory()
    group.templates.set([required])
    devices = bulk_fleet(1, group=group, templates=[required])

    apply_action(admin_client, "change_group", devices, group="")

    assert templates_of(devices[0]) == ["base"]


def test_devices_already_in_the_group_are_counted_apart(admin_client, groups):
    old, new, _old_template, _new_template = groups
    devices = bulk_fleet(2, group=new) + bulk_fleet(1, group=old)

    response = apply_action(admin_client, "change_group", devices, group=str(new.pk))

    assert messages_of(response) == ['1 device moved to group "new". 2 were already there.']


def test_an_unknown_group_is_refused_and_nothing_changes(admin_client, groups):
    old, _new, _o, _n = groups
    devices = bulk_fleet(2, group=old)
    gone = DeviceGroupFactory()
    gone_pk = gone.pk
    gone.delete()

    response = apply_action(admin_client, "change_group", devices, group=str(gone_pk))

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert get_model("device").objects.filter(group=old).count() == 2


def test_no_config_is_saved_one_by_one(admin_client, groups):
    old, new, old_template, _new_template = groups
    devices = bulk_fleet(4, group=old, templates=[old_template])
    saves = []
    config_model = get_model("config")
    post_save.connect(
        lambda **kw: saves.append(kw), sender=config_model, weak=False, dispatch_uid="s"
    )
    try:
        apply_action(admin_client, "change_group", devices, group=str(new.pk))
    finally:
        post_save.disconnect(sender=config_model, dispatch_uid="s")

    assert saves == []
    assert all(templates_of(d) == ["new-vlan"] for d in devices)


def test_as_many_queries_for_40_devices_as_for_10(admin_client, groups, settings):
    settings.NETJSONCONFIG_FANOUT = "thread"  # renders after commit: not in this count
    old, new, old_template, _new_template = groups

    def queries(count):
        devices = bulk_fleet(count, group=old, templates=[old_template], render=False)
        admin_client.get("/admin/")  # warm up the session
        with CaptureQueriesContext(connection) as captured:
            response = apply_action(admin_client, "change_group", devices, group=str(new.pk))
        assert response.status_code == 302
        return len(captured)

    assert queries(40) == queries(10)
