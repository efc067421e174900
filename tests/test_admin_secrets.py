"""Private keys never reach someone who may not change the device."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.base.admin.device import variables_html

from .factories import make_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    user = get_user_model().objects.create_user("viewer", password="pass-1234", is_staff=True)
    for model in ("device", "config"):
        opts = get_model(model)._meta
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label=opts.app_label, codename=f"view_{opts.model_name}"
            )
        )
    client.force_login(user)
    return client


def admin_url(device, view):
    opts = device._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{device.pk}/{view}/"


def test_a_view_only_user_cannot_download_the_archive(viewer):
    config = make_config()
    assert viewer.get(admin_url(config.device, "download")).status_code == 403


def test_a_view_only_user_cannot_preview_a_saved_device(viewer):
    config = make_config()
    assert viewer.post(admin_url(config.device, "preview"), {}).status_code == 403


def test_the_variables_table_never_shows_a_private_key(settings):
    config = make_config(context={"key_contents_abc": "-----BEGIN PRIVATE KEY-----"})
    html = variables_html(config)
    assert "BEGIN PRIVATE KEY" not in html
    assert "private key, hidden" in html
