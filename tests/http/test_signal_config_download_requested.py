"""``config_download_requested``: sent when a device downloads its configuration.

Arguments: ``instance`` (Device), ``request``. Sent just before a successful
answer; never when the answer is an error.
"""

import hashlib
import uuid
from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..factories import DeviceFactory, make_config
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def download_requested(django_capture_on_commit_callbacks):
    return partial(
        catch_signal, signals.config_download_requested, django_capture_on_commit_callbacks
    )


def url(device_pk):
    return f"/controller/download-config/{device_pk}/"


def test_a_successful_download_sends_the_device_and_the_request(download_requested, device_client):
    config = make_config()
    device = config.device
    with download_requested() as sent:
        response = device_client.get(url(device.pk), {"key": device.key})
    assert response.status_code == 200
    assert hashlib.md5(response.content).hexdigest() == config.checksum_db
    call = sent.one()
    assert call.sender is get_model("device")
    assert call.instance.pk == device.pk
    assert isinstance(call.instance, get_model("device"))
    assert call.request.method == "GET"
    assert call.request.path == url(device.pk)
    assert call.request.GET["key"] == device.key


def test_the_download_at_the_device_path_sends_the_signal(download_requested, device_client):
    device = make_config().device
    path = f"/controller/device/download-config/{device.pk.hex}/"
    with download_requested() as sent:
        response = device_client.get(path, {"key": device.key})
    assert response.status_code == 200
    call = sent.one()
    assert call.instance.pk == device.pk
    assert call.request.path == path


def test_a_checksum_call_does_not_send_the_download_signal(download_requested, device_client):
    device = make_config().device
    with download_requested() as sent:
        response = device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    assert response.status_code == 200
    sent.none()


def test_a_wrong_key_sends_nothing(download_requested, device_client):
    device = make_config().device
    with download_requested() as sent:
        response = device_client.get(url(device.pk), {"key": "0" * 32})
    assert response.status_code == 403
    sent.none()


def test_a_missing_key_sends_nothing(download_requested, device_client):
    device = make_config().device
    with download_requested() as sent:
        response = device_client.get(url(device.pk))
    assert response.status_code == 400
    sent.none()


def test_an_unknown_device_sends_nothing(download_requested, device_client):
    device = make_config().device
    with download_requested() as sent:
        response = device_client.get(url(uuid.uuid4()), {"key": device.key})
    assert response.status_code == 404
    sent.none()


def test_an_invalid_device_id_sends_nothing(download_requested, device_client):
    device = make_config().device
    with download_requested() as sent:
        response = device_client.get(url("not-a-uuid"), {"key": device.key})
    assert response.status_code == 404
    sent.none()


def test_a_device_without_configuration_sends_nothing(download_requested, device_client):
    device = DeviceFactory()
    with download_requested() as sent:
        response = device_client.get(url(device.pk), {"key": device.key})
    assert response.status_code == 404
    sent.none()


def test_a_configuration_that_cannot_be_rendered_sends_nothing(download_requested, device_client):
    config = make_config()
    # changed behind the services' back, then marked for re-rendering as a fan-out does
    get_model("config").objects.filter(pk=config.pk).update(
        config={"general": {"timezone": "{{ missing_variable }}"}}, render_pending=1
    )
    with download_requested() as sent:
        response = device_client.get(url(config.device.pk), {"key": config.device.key})
    assert response.status_code == 503
    sent.none()
