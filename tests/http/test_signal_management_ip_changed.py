"""``management_ip_changed``: sent when ``Device.management_ip`` changes.

Arguments: ``instance`` (Device), ``management_ip``, ``old_management_ip``.
Not sent when the device is created, nor when the address stays the same.
"""

from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..factories import DeviceFactory, make_config
from ..helpers import device_with_config, poll, reload
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def ip_changed(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.management_ip_changed, django_capture_on_commit_callbacks)


def assert_sent_for(call, device, management_ip, old_management_ip):
    assert call.sender is get_model("device")
    assert call.instance.pk == device.pk
    assert call.management_ip == management_ip
    assert call.old_management_ip == old_management_ip


# --- through the controller ---------------------------------------------------------------
def test_a_checksum_call_with_a_first_management_ip_sends_the_signal(ip_changed, device_client):
    device = make_config().device
    with ip_changed() as sent:
        response = poll(device_client, device, management_ip="10.8.0.5")
    assert response.status_code == 200
    call = sent.one()
    assert_sent_for(call, device, "10.8.0.5", None)
    assert call.instance.management_ip == "10.8.0.5"
    assert reload(device).management_ip == "10.8.0.5"


def test_a_checksum_call_with_a_new_management_ip_sends_the_old_one_too(ip_changed, device_client):
    device = make_config(DeviceFactory(management_ip="10.8.0.5")).device
    with ip_changed() as sent:
        poll(device_client, device, management_ip="10.8.0.6")
    assert_sent_for(sent.one(), device, "10.8.0.6", "10.8.0.5")


def test_a_checksum_call_with_the_same_management_ip_sends_nothing(ip_changed, device_client):
    device = make_config(DeviceFactory(management_ip="10.8.0.5")).device
    with ip_changed() as sent:
        response = poll(device_client, device, management_ip="10.8.0.5")
    assert response.status_code == 200
    sent.none()


def test_a_checksum_call_without_management_ip_on_a_device_without_one_sends_nothing(
    ip_changed, device_client
):
    device = make_config().device
    with ip_changed() as sent:
        response = poll(device_client, device)
    assert response.status_code == 200
    sent.none()


def test_only_the_first_of_two_checksum_calls_with_the_same_ip_sends_the_signal(
    ip_changed, device_client
):
    device = make_config().device
    with ip_changed() as sent:
        poll(device_client, device, management_ip="10.8.0.5")
        poll(device_client, device, management_ip="10.8.0.5")
    assert_sent_for(sent.one(), device, "10.8.0.5", None)


def test_a_checksum_call_with_a_wrong_key_sends_nothing(ip_changed, device_client):
    device = make_config().device
    with ip_changed() as sent:
        response = device_client.get(
            f"/controller/checksum/{device.pk}/", {"key": "0" * 32, "management_ip": "10.8.0.5"}
        )
    assert response.status_code == 403
    sent.none()
    assert reload(device).management_ip is None


def test_a_download_with_a_new_management_ip_sends_the_signal(ip_changed, device_client):
    device = make_config().device
    with ip_changed() as sent:
        response = device_client.get(
            f"/controller/download-config/{device.pk}/",
            {"key": device.key, "management_ip": "10.8.0.7"},
        )
    assert response.status_code == 200
    assert_sent_for(sent.one(), device, "10.8.0.7", None)


# --- saving the device ----------------------------------------------------------------------
def test_saving_the_device_with_another_management_ip_sends_the_signal(ip_changed):
    device = reload(DeviceFactory(management_ip="10.8.0.5"))
    with ip_changed() as sent:
        device.management_ip = "10.8.0.9"
        device.save()
    assert_sent_for(sent.one(), device, "10.8.0.9", "10.8.0.5")


def test_saving_the_device_with_a_first_management_ip_sends_the_signal(ip_changed):
    device = DeviceFactory()
    with ip_changed() as sent:
        device.management_ip = "10.8.0.9"
        device.save()
    assert_sent_for(sent.one(), device, "10.8.0.9", None)


def test_clearing_the_management_ip_sends_the_signal(ip_changed):
    device = reload(DeviceFactory(management_ip="10.8.0.5"))
    with ip_changed() as sent:
        device.management_ip = None
        device.save()
    assert_sent_for(sent.one(), device, None, "10.8.0.5")


def test_creating_a_device_with_a_management_ip_sends_nothing(ip_changed):
    with ip_changed() as sent:
        DeviceFactory(management_ip="10.8.0.5")
    sent.none()


def test_saving_the_device_with_the_same_management_ip_sends_nothing(ip_changed):
    device = reload(DeviceFactory(management_ip="10.8.0.5"))
    with ip_changed() as sent:
        device.notes = "a note"
        device.name = "renamed"
        device.save()
    sent.none()


def test_a_device_losing_its_management_ip_to_another_gets_the_signal(
    device_client, django_capture_on_commit_callbacks
):
    first = device_with_config()
    second = device_with_config()
    type(first).objects.filter(pk=first.pk).update(management_ip="10.8.0.2")
    received = []

    def receiver(sender, instance, management_ip, old_management_ip, **kwargs):
        received.append((instance.pk, management_ip, old_management_ip))

    signals.management_ip_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            device_client.get(
                f"/controller/checksum/{second.pk}/",
                {"key": second.key, "management_ip": "10.8.0.2"},
            )
    finally:
        signals.management_ip_changed.disconnect(receiver)
    assert (first.pk, None, "10.8.0.2") in received
    assert (second.pk, "10.8.0.2", None) in received
