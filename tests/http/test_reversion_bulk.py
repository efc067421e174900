"""Bulk actions keep history: each device changed gets a version of its own (and one of
how it was before, if it had none), so one device can be reverted alone."""

import pytest
from reversion.models import Version

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..admin_helpers import admin_url, errors_of, form_data
from ..factories import DeviceGroupFactory, TemplateFactory
from ..fleet_helpers import apply_action, bulk_fleet

pytestmark = pytest.mark.django_db


def test_each_device_changed_in_bulk_gets_its_own_versions(admin_client):
    template = TemplateFactory(name="ntp")
    devices = bulk_fleet(3)

    apply_action(admin_client, "add_templates", devices, templates=str(template.pk))

    for device in devices:
        versions = list(Version.objects.get_for_object(device))
        assert [v.revision.comment for v in versions] == [
            'Bulk action: templates "ntp" added.',
            "State before a bulk action.",
        ]
        assert versions[0].revision.user.username == "admin"
        assert len(versions[0].revision.version_set.all()) == 2  # the device, its config
    assert len({v.revision_id for v in Version.objects.all()}) == 6


def test_one_device_is_reverted_to_before_a_bulk_action_alone(
    admin_client, django_capture_on_commit_callbacks
):
    template = TemplateFactory(name="desc", config={"general": {"description": "bulk"}})
    group = DeviceGroupFactory(name="office")
    devices = bulk_fleet(2)
    checksum = get_model("config").objects.get(device=devices[0]).checksum_db
    apply_action(admin_client, "add_templates", devices, templates=str(template.pk))
    apply_action(admin_client, "change_group", devices, group=str(group.pk))
    before = Version.objects.get_for_object(devices[0]).last()
    assert before.revision.comment == "State before a bulk action."
    url = admin_url("device", "revision", devices[0].pk, before.pk)

    form = admin_client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, form_data(form))

    assert response.status_code == 302, errors_of(response)
    reverted = get_model("device").objects.get(pk=devices[0].pk)
    assert reverted.group is None
    config = reverted.config
    assert list(config.templates.all()) == []
    assert config.checksum_db == checksum == configs.render(config).checksum
    other = get_model("device").objects.get(pk=devices[1].pk)
    assert other.group == group
    assert list(other.config.templates.all()) == [template]
