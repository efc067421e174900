"""Private keys never reach someone who may not change the device."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.base.admin.device import variables_html

from ..admin_helpers import admin_url
from ..factories import make_config

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


def test_a_view_only_user_cannot_download_the_archive(viewer):
    config = make_config()
    assert viewer.get(admin_url("device", "download", config.device.pk)).status_code == 403


def test_a_view_only_user_cannot_preview_a_saved_device(viewer):
    config = make_config()
    assert viewer.post(admin_url("device", "preview", config.device.pk), {}).status_code == 403


def test_the_variables_table_never_shows_a_private_key(settings):
    config = make_config(context={"key_contents_abc": "-----BEGIN PRIVATE KEY-----"})
    html = variables_html(config)
    assert "BEGIN PRIVATE KEY" not in html
    assert "private key, hidden" in html


def test_a_view_only_user_sees_the_device_page_without_its_key(viewer):
    config = make_config()
    device = config.device

    page = viewer.get(admin_url("device", "change", device.pk))

    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert "key" not in page.context["adminform"].form.fields


def test_the_variables_table_never_shows_the_device_key():
    config = make_config()
    html = variables_html(config)
    assert config.device.key not in html
    assert "device key, hidden" in html


def _changelist(model, query):
    opts = model._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/?{query}"


@pytest.mark.parametrize(
    ("kind", "lookup"),
    [
        ("device", "key"),
        ("device", "key__startswith"),
        ("device", "key__regex"),
        ("device", "config__vpnclient__private_key__startswith"),
        ("vpn", "key__startswith"),
        ("vpn", "private_key__startswith"),
        ("vpn", "cert__private_key__contains"),
        ("ca", "private_key__contains"),
        ("cert", "private_key__contains"),
        ("cert", "ca__private_key__contains"),
    ],
)
def test_a_list_refuses_filters_on_secrets_even_to_a_superuser(admin_client, kind, lookup):
    """A filter would be an oracle: ``?key__startswith=a`` tells, by the number of
    results, a key character by character."""
    model = get_model(kind)
    response = admin_client.get(_changelist(model, f"{lookup}=a"))
    assert response.status_code == 400


def test_the_export_refuses_filters_on_the_device_key(admin_client):
    make_config()
    opts = get_model("device")._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/export/csv/?key__startswith=a"
    assert admin_client.get(url).status_code == 400


def test_the_lists_still_filter_on_what_they_offer(admin_client):
    make_config()
    assert admin_client.get(_changelist(get_model("device"), "model=x")).status_code == 200
    assert admin_client.get(_changelist(get_model("vpn"), "backend=x")).status_code == 200


def test_a_view_only_user_is_offered_no_preview_nor_download(viewer, admin_client):
    device = make_config().device
    for client, offered in ((viewer, False), (admin_client, True)):
        page = client.get(admin_url("device", "change", device.pk)).content.decode()
        assert ("Preview configuration" in page) is offered
        assert (admin_url("device", "download", device.pk) in page) is offered
