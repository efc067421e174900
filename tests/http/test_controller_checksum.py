import pytest

from django_netjsonconfig.apps import get_model

from ..basics import md5
from ..factories import DeviceFactory
from ..helpers import device_with_config

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("prefix", ["/controller/", "/controller/device/"])
def test_checksum_is_the_md5_of_the_archive_download_config_serves(device_client, prefix):
    device = device_with_config(config={"general": {"timezone": "Europe/Rome"}})
    response = device_client.get(f"{prefix}checksum/{device.pk}/", {"key": device.key})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert response["X-Openwisp-Controller"] == "true"
    archive = device_client.get(f"{prefix}download-config/{device.pk}/", {"key": device.key})
    assert response.content.decode() == md5(archive.content)


def test_checksum_accepts_the_uuid_without_dashes(device_client):
    device = device_with_config()
    response = device_client.get(f"/controller/checksum/{device.pk.hex}/", {"key": device.key})
    assert response.status_code == 200
    assert len(response.content) == 32


def test_checksum_records_last_ip_and_management_ip(device_client):
    device = device_with_config()
    device_client.get(
        f"/controller/checksum/{device.pk}/", {"key": device.key, "management_ip": "10.8.0.2"}
    )
    device.refresh_from_db()
    assert device.last_ip == "192.168.1.10"
    assert device.management_ip == "10.8.0.2"


def test_checksum_without_management_ip_clears_it(device_client):
    device = device_with_config()
    type(device).objects.filter(pk=device.pk).update(management_ip="10.8.0.2")
    device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    device.refresh_from_db()
    assert device.management_ip is None


def test_checksum_clears_the_same_management_ip_and_private_last_ip_of_other_devices(
    device_client,
):
    first = device_with_config()
    second = device_with_config()
    type(first).objects.filter(pk=first.pk).update(management_ip="10.8.0.2", last_ip="192.168.1.10")
    device_client.get(
        f"/controller/checksum/{second.pk}/", {"key": second.key, "management_ip": "10.8.0.2"}
    )
    first.refresh_from_db()
    assert first.management_ip is None
    assert first.last_ip is None


def test_checksum_keeps_a_shared_public_last_ip_of_other_devices(client):
    first = device_with_config()
    second = device_with_config()
    type(first).objects.filter(pk=first.pk).update(last_ip="8.8.8.8")
    client.get(f"/controller/checksum/{second.pk}/", {"key": second.key}, REMOTE_ADDR="8.8.8.8")
    first.refresh_from_db()
    assert first.last_ip == "8.8.8.8"


def test_download_config_does_not_clean_up_other_devices(device_client):
    first = device_with_config()
    second = device_with_config()
    type(first).objects.filter(pk=first.pk).update(management_ip="10.8.0.2")
    device_client.get(
        f"/controller/download-config/{second.pk}/",
        {"key": second.key, "management_ip": "10.8.0.2"},
    )
    first.refresh_from_db()
    assert first.management_ip == "10.8.0.2"


def test_download_config_is_an_attachment_named_after_the_device(device_client):
    device = device_with_config()
    response = device_client.get(f"/controller/download-config/{device.pk}/", {"key": device.key})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f"attachment; filename={device.name}.tar.gz"
    assert response.content[:2] == b"\x1f\x8b"  # gzip


def test_checksum_of_a_device_without_config_is_404(device_client):

    device = DeviceFactory()
    response = device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    assert response.status_code == 404
    assert response["X-Openwisp-Controller"] == "true"


def test_checksum_does_not_change_the_status(device_client):
    device = device_with_config()
    get_model("config").objects.filter(device=device).update(status="applied")
    device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    assert get_model("config").objects.get(device=device).status == "applied"
