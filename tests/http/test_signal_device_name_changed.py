"""``device_name_changed``: sent when ``Device.name`` changes.

Argument: ``instance`` (Device). Not sent when the device is created, nor when
another field changes.
"""

from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..factories import OPENWRT, DeviceFactory, extra_fields, make_config
from ..helpers import reload
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def name_changed(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.device_name_changed, django_capture_on_commit_callbacks)


def test_renaming_a_device_sends_the_signal(name_changed):
    device = reload(DeviceFactory(name="old-name"))
    with name_changed() as sent:
        device.name = "new-name"
        device.save()
    call = sent.one()
    assert call.sender is get_model("device")
    assert call.instance.pk == device.pk
    assert call.instance.name == "new-name"


def test_renaming_a_device_just_created_sends_the_signal(name_changed):
    device = DeviceFactory(name="old-name")
    with name_changed() as sent:
        device.name = "new-name"
        device.save()
    assert sent.one().instance.pk == device.pk


def test_renaming_a_device_with_a_configuration_sends_the_signal(name_changed):
    device = make_config().device
    with name_changed() as sent:
        device.name = "new-name"
        device.save()
    assert sent.one().instance.pk == device.pk


def test_renaming_a_device_twice_sends_the_signal_twice(name_changed):
    device = DeviceFactory(name="first-name")
    with name_changed() as sent:
        device.name = "second-name"
        device.save()
        device.name = "third-name"
        device.save()
    assert len(sent) == 2


def test_creating_a_device_sends_nothing(name_changed):
    with name_changed() as sent:
        DeviceFactory(name="brand-new")
        get_model("device").objects.create(
            **extra_fields(get_model("device"), name="another-one", mac_address="00:11:22:33:44:99")
        )
    sent.none()


def test_changing_another_field_sends_nothing(name_changed):
    device = reload(DeviceFactory(name="same-name"))
    with name_changed() as sent:
        device.notes = "moved to the second floor"
        device.os = "OpenWrt 23.05"
        device.management_ip = "10.0.0.5"
        device.save()
    sent.none()


def test_saving_an_unchanged_device_sends_nothing(name_changed):
    device = reload(DeviceFactory(name="same-name"))
    with name_changed() as sent:
        device.save()
    sent.none()


def test_a_device_registering_again_with_a_new_hostname_sends_the_signal(
    name_changed, device_client, secret
):
    device = DeviceFactory(name="old-hostname", mac_address="00:11:22:33:44:55")
    with name_changed() as sent:
        response = device_client.post(
            "/controller/register/",
            {
                "secret": secret,
                "name": "new-hostname",
                "mac_address": "00:11:22:33:44:55",
                "backend": OPENWRT,
            },
        )
    assert response.status_code == 201
    call = sent.one()
    assert call.instance.pk == device.pk
    assert call.instance.name == "new-hostname"


def test_a_new_device_registering_sends_nothing(name_changed, device_client, secret):
    with name_changed() as sent:
        response = device_client.post(
            "/controller/register/",
            {
                "secret": secret,
                "name": "new-hostname",
                "mac_address": "00:11:22:33:44:55",
                "backend": OPENWRT,
            },
        )
    assert response.status_code == 201
    sent.none()
