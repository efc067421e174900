"""Download gives the saved config's archive: the bytes a device downloads."""

import hashlib
import io
import tarfile

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from ..factories import DeviceFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db


def test_download_returns_the_archive_whose_md5_is_the_checksum(admin_client):
    template = TemplateFactory()
    config = make_config(
        DeviceFactory(name="router-7"),
        templates=[template],
        config={"interfaces": [{"name": "eth0", "type": "ethernet"}]},
    )

    response = admin_client.get(admin_url("device", "download", config.device.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert response["Content-Disposition"] == 'attachment; filename="router-7.tar.gz"'
    assert hashlib.md5(response.content).hexdigest() == config.checksum_db
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
        assert "etc/config/network" in archive.getnames()


def test_download_of_a_device_without_config_is_not_found(admin_client):
    device = DeviceFactory()
    assert admin_client.get(admin_url("device", "download", device.pk)).status_code == 404


def test_download_of_a_config_that_cannot_render_goes_back_with_the_reason(admin_client):
    config = make_config()
    get_model("config").objects.filter(pk=config.pk).update(
        config={"general": {"description": "{{ nowhere }}"}}
    )

    response = admin_client.get(admin_url("device", "download", config.device.pk), follow=True)

    assert response.redirect_chain[-1][0] == admin_url("device", "change", config.device.pk)
    messages = [str(m) for m in response.context["messages"]]
    assert any("unresolved variable: nowhere" in m for m in messages)


def test_template_download_returns_its_archive(admin_client):
    template = TemplateFactory(name="lan setup")
    response = admin_client.get(admin_url("template", "download", template.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="lan-setup.tar.gz"'
    with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
        assert "etc/config/system" in archive.getnames()
