"""``device_registered``: sent when a device registers through the controller.

Arguments: ``instance`` (Device), ``is_new`` (True for a new device, False for
one that already existed, e.g. after a factory reset).
"""

import uuid
from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..factories import DeviceFactory
from ..helpers import parse_lines
from ..helpers import register as register_device
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db

MAC = "00:11:22:33:44:55"


@pytest.fixture
def device_registered(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.device_registered, django_capture_on_commit_callbacks)


#: a device registering under the name the tests expect
register = partial(register_device, name="new-router", mac_address=MAC)


def answered_uuid(response):
    return uuid.UUID(parse_lines(response)["uuid"])


def test_a_new_device_registering_sends_is_new_true(device_registered, device_client, secret):
    with device_registered() as sent:
        response = register(device_client, secret)
    assert response.status_code == 201
    call = sent.one()
    assert call.sender is get_model("device")
    assert call.is_new is True
    assert call.instance.pk == answered_uuid(response)
    assert call.instance.name == "new-router"
    assert call.instance.mac_address == MAC
    assert get_model("device").objects.filter(pk=call.instance.pk).exists()


def test_a_device_registering_again_sends_is_new_false(device_registered, device_client, secret):
    first = register(device_client, secret)
    assert first.status_code == 201
    with device_registered() as sent:
        response = register(device_client, secret)
    assert response.status_code == 201
    call = sent.one()
    assert call.is_new is False
    assert call.instance.pk == answered_uuid(first) == answered_uuid(response)


def test_a_device_created_in_the_admin_registering_sends_is_new_false(
    device_registered, device_client, secret
):
    device = DeviceFactory(name="router-in-admin", mac_address=MAC)
    with device_registered() as sent:
        response = register(device_client, secret, name="router-in-admin")
    assert response.status_code == 201
    call = sent.one()
    assert call.is_new is False
    assert call.instance.pk == device.pk


def test_a_wrong_secret_sends_nothing(device_registered, device_client, secret):
    with device_registered() as sent:
        response = register(device_client, secret, secret="wrong-" + secret)
    assert response.status_code == 403
    sent.none()
    assert not get_model("device").objects.exists()


def test_a_missing_secret_sends_nothing(device_registered, device_client, secret):
    with device_registered() as sent:
        response = register(device_client, secret, secret="")
    assert response.status_code == 400
    sent.none()


def test_a_wrong_backend_sends_nothing(device_registered, device_client, secret):
    with device_registered() as sent:
        response = register(device_client, secret, backend="netjsonconfig.Unknown")
    assert response.status_code == 403
    sent.none()


def test_an_invalid_mac_address_sends_nothing(device_registered, device_client, secret):
    with device_registered() as sent:
        response = register(device_client, secret, mac_address="not-a-mac")
    assert response.status_code == 400
    sent.none()


def test_registration_disabled_sends_nothing(device_registered, device_client, secret, settings):
    settings.NETJSONCONFIG_REGISTRATION_ENABLED = False
    with device_registered() as sent:
        response = register(device_client, secret)
    assert response.status_code == 403
    sent.none()


def test_a_device_created_in_the_admin_sends_nothing(device_registered):
    with device_registered() as sent:
        DeviceFactory()
    sent.none()


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_the_signal_is_sent_during_the_request(device_client, secret):
    with catch_signal(signals.device_registered) as sent:
        response = register(device_client, secret)
    assert response.status_code == 201
    call = sent.one()
    assert call.is_new is True
    assert call.instance.pk == answered_uuid(response)
