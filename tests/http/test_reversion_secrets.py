"""Credentials and history (django-reversion): the page of an old version never shows a
device's key or a VPN server's key, whoever looks (a superuser included); a revert
keeps the current credentials (the device authenticates with its current key, the
clients hold the server's current public key); a recovered device or server gets its
own back. Reverting a VPN server leaves its clients alone (they follow the devices'
templates) and renders the server and its clients again."""

import pytest
from reversion.models import Version

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.history import versions as history
from django_netjsonconfig.vpn import servers as vpns

from ..admin_helpers import admin_url, form_data
from ..factories import make_config
from ..vpn_helpers import WIREGUARD, client_of, make_vpn, make_vpn_template

pytestmark = pytest.mark.django_db


def version_url(obj, kind):
    version = Version.objects.get_for_object(obj).first()
    return admin_url(kind, "revision", obj.pk, version.pk)


def revert(client, url, django_capture_on_commit_callbacks, **changes):
    page = client.get(url)
    assert page.status_code == 200
    data = form_data(page)
    data.update(changes)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return page


def test_a_device_version_page_shows_no_key_even_to_a_superuser(admin_client):
    device = make_config().device
    history.snapshot(device, "A version.")

    page = admin_client.get(version_url(device, "device"))

    assert page.status_code == 200
    assert device.key not in page.content.decode()
    assert "key" not in page.context["adminform"].form.fields
    # the current page shows it to whoever may change the device
    assert device.key in admin_client.get(admin_url("device", "change", device.pk)).content.decode()


def test_a_revert_keeps_the_current_device_key(admin_client, django_capture_on_commit_callbacks):
    device = make_config().device
    device_model = type(device)
    device_model.objects.filter(pk=device.pk).update(notes="first")
    device.refresh_from_db()
    history.snapshot(device, "A version.")
    old_key = device.key
    # later: new notes, and a new key (a consistent re-registration sets it)
    device_model.objects.filter(pk=device.pk).update(notes="second", key="b" * 32)

    revert(admin_client, version_url(device, "device"), django_capture_on_commit_callbacks)

    device.refresh_from_db()
    assert device.notes == "first"
    assert device.key == "b" * 32 != old_key


@pytest.fixture
def server_with_a_client():
    vpn = make_vpn(WIREGUARD, name="wg", notes="first")
    history.snapshot(vpn, "A version.")
    # after the version: a device joins, the server's notes change
    config = make_config(templates=[make_vpn_template(vpn)])
    vpn.notes = "second"
    vpn = vpns.save(vpn)
    return vpn, config


def test_a_vpn_version_page_shows_no_key(admin_client, server_with_a_client):
    vpn, _config = server_with_a_client

    page = admin_client.get(version_url(vpn, "vpn")).content.decode()

    assert vpn.key not in page
    assert vpn.private_key not in page


def test_a_vpn_revert_keeps_its_keys_and_its_clients(
    admin_client, server_with_a_client, django_capture_on_commit_callbacks
):
    vpn, config = server_with_a_client
    client = client_of(config, vpn)
    keys = (vpn.key, vpn.private_key, vpn.public_key)
    # the server's keys change after the version (as a new server key pair would)
    type(vpn).objects.filter(pk=vpn.pk).update(key="c" * 32)
    keys = ("c" * 32, *keys[1:])

    revert(admin_client, version_url(vpn, "vpn"), django_capture_on_commit_callbacks)

    vpn.refresh_from_db()
    assert vpn.notes == "first"
    assert (vpn.key, vpn.private_key, vpn.public_key) == keys
    # the client that joined after the version is still there, with its own keys
    assert client_of(config, vpn).private_key == client.private_key
    # rendered again at the next request: with the current keys and the client as a peer
    current = vpns.current(type(vpn), vpn.pk)
    assert current is not None and current[1] is not None
    vpn.refresh_from_db()
    assert vpn.render_pending == 0
    assert client.public_key in vpns.preview(vpn)


def test_a_deleted_vpn_server_is_recovered_with_its_keys(
    admin_client, django_capture_on_commit_callbacks
):
    vpn = make_vpn(WIREGUARD, name="wg-gone")
    keys = (vpn.key, vpn.private_key, vpn.public_key)
    pk = vpn.pk
    vpn.delete()  # a version is saved first
    version = Version.objects.get_deleted(get_model("vpn")).get(object_id=str(pk))
    url = admin_url("vpn", "recover", version.pk)

    page = revert(admin_client, url, django_capture_on_commit_callbacks)

    assert keys[0] not in page.content.decode() and keys[1] not in page.content.decode()
    vpn = get_model("vpn").objects.get(pk=pk)
    assert (vpn.key, vpn.private_key, vpn.public_key) == keys
    assert vpns.current(type(vpn), pk)[1] is not None
