"""``device_group_changed``: sent when ``Device.group`` changes.

Arguments: ``instance`` (Device), ``group_id``, ``old_group_id``. Not sent
when the device is created.
"""

from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..factories import DeviceFactory, DeviceGroupFactory, make_config
from ..helpers import reload
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_changed(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.device_group_changed, django_capture_on_commit_callbacks)


def assert_sent_for(call, device, group_id, old_group_id):
    assert call.sender is get_model("device")
    assert call.instance.pk == device.pk
    assert call.group_id == group_id
    assert call.old_group_id == old_group_id


def test_putting_a_device_in_a_group_sends_the_group_and_no_old_group(group_changed):
    group = DeviceGroupFactory()
    device = reload(DeviceFactory())
    with group_changed() as sent:
        device.group = group
        device.save()
    assert_sent_for(sent.one(), device, group.pk, None)


def test_moving_a_device_to_another_group_sends_both_groups(group_changed):
    first, second = DeviceGroupFactory(), DeviceGroupFactory()
    device = reload(DeviceFactory(group=first))
    with group_changed() as sent:
        device.group = second
        device.save()
    assert_sent_for(sent.one(), device, second.pk, first.pk)


def test_taking_a_device_out_of_its_group_sends_no_group_and_the_old_group(group_changed):
    group = DeviceGroupFactory()
    device = reload(DeviceFactory(group=group))
    with group_changed() as sent:
        device.group = None
        device.save()
    assert_sent_for(sent.one(), device, None, group.pk)


def test_setting_group_id_directly_sends_the_signal(group_changed):
    group = DeviceGroupFactory()
    device = make_config().device
    with group_changed() as sent:
        device.group_id = group.pk
        device.save()
    assert_sent_for(sent.one(), device, group.pk, None)


def test_creating_a_device_in_a_group_sends_nothing(group_changed):
    group = DeviceGroupFactory()
    with group_changed() as sent:
        DeviceFactory(group=group)
    sent.none()


def test_saving_a_device_without_changing_its_group_sends_nothing(group_changed):
    group = DeviceGroupFactory()
    device = reload(DeviceFactory(group=group))
    with group_changed() as sent:
        device.name = "renamed"
        device.save()
        device.group = group
        device.save()
    sent.none()
