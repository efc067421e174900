"""``checksum_requested``: sent when a device fetches its checksum successfully.

Arguments: ``instance`` (Device), ``request``. Sent just before a successful
answer; never when the answer is an error.
"""

import uuid
from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model

from ..factories import DeviceFactory, make_config
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def checksum_requested(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.checksum_requested, django_capture_on_commit_callbacks)


def url(device_pk):
    return f"/controller/checksum/{device_pk}/"


def test_a_successful_checksum_call_sends_the_device_and_the_request(
    checksum_requested, device_client
):
    config = make_config()
    device = config.device
    with checksum_requested() as sent:
        response = device_client.get(url(device.pk), {"key": device.key})
    assert response.status_code == 200
    assert response.content.decode() == config.checksum_db
    call = sent.one()
    assert call.sender is get_model("device")
    assert call.instance.pk == device.pk
    assert isinstance(call.instance, get_model("device"))
    assert call.request.method == "GET"
    assert call.request.path == url(device.pk)
    assert call.request.GET["key"] == device.key


def test_the_checksum_call_at_the_device_path_sends_the_signal(checksum_requested, device_client):
    device = make_config().device
    path = f"/controller/device/checksum/{device.pk.hex}/"
    with checksum_requested() as sent:
        response = device_client.get(path, {"key": device.key})
    assert response.status_code == 200
    call = sent.one()
    assert call.instance.pk == device.pk
    assert call.request.path == path


def test_each_checksum_call_sends_the_signal(checksum_requested, device_client):
    device = make_config().device
    with checksum_requested() as sent:
        device_client.get(url(device.pk), {"key": device.key})
        device_client.get(url(device.pk), {"key": device.key})
    assert len(sent) == 2
    assert [call.instance.pk for call in sent] == [device.pk, device.pk]


def test_a_wrong_key_sends_nothing(checksum_requested, device_client):
    device = make_config().device
    with checksum_requested() as sent:
        response = device_client.get(url(device.pk), {"key": "0" * 32})
    assert response.status_code == 403
    sent.none()


def test_a_missing_key_sends_nothing(checksum_requested, device_client):
    device = make_config().device
    with checksum_requested() as sent:
        response = device_client.get(url(device.pk))
    assert response.status_code == 400
    sent.none()


def test_an_unknown_device_sends_nothing(checksum_requested, device_client):
    device = make_config().device
    with checksum_requested() as sent:
        response = device_client.get(url(uuid.uuid4()), {"key": device.key})
    assert response.status_code == 404
    sent.none()


def test_an_invalid_device_id_sends_nothing(checksum_requested, device_client):
    device = make_config().device
    with checksum_requested() as sent:
        response = device_client.get(url("not-a-uuid"), {"key": device.key})
    assert response.status_code == 404
    sent.none()


def test_a_device_without_configuration_sends_nothing(checksum_requested, device_client):
    device = DeviceFactory()
    with checksum_requested() as sent:
        response = device_client.get(url(device.pk), {"key": device.key})
    assert response.status_code == 404
    sent.none()


def test_a_configuration_that_cannot_be_rendered_sends_nothing(checksum_requested, device_client):
    config = make_config()
    get_model("config").objects.filter(pk=config.pk).update(
        config={"general": {"timezone": "{{ missing_variable }}"}}, checksum_db=None
    )
    with checksum_requested() as sent:
        response = device_client.get(url(config.device.pk), {"key": config.device.key})
    assert response.status_code == 503
    sent.none()


def test_a_post_request_sends_nothing(checksum_requested, device_client):
    device = make_config().device
    with checksum_requested() as sent:
        response = device_client.post(url(device.pk), {"key": device.key})
    assert response.status_code == 405
    sent.none()


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_the_signal_is_sent_during_the_request(device_client):
    device = make_config().device
    with catch_signal(signals.checksum_requested) as sent:
        response = device_client.get(url(device.pk), {"key": device.key})
    assert response.status_code == 200
    assert sent.one().instance.pk == device.pk
