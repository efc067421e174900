"""The admin's notification pages: the unread count on every admin page, the user's own
list, marking one or all read, and the switches; each URL as an anonymous visitor, a
staff user without permission, a viewer and a changer; values shown as text.

Named ``test_admin_*`` so that it also runs against the sample extension.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.notifications import notify

from ..admin_helpers import admin_url
from ..factories import DeviceFactory
from ..notification_helpers import notifications_of, staff, superuser

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "none", "view", "change")
XSS = "<img src=x onerror=alert(1)>"


def login(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def people():
    return {
        "anonymous": None,
        "none": staff("nobody"),
        "view": staff("viewer", "view"),
        "change": staff("changer", "view", "change"),
    }


@pytest.fixture
def notified(people):
    """A notification for each user who may see devices, about a device whose name is
    markup."""
    notify("config_error", DeviceFactory(name=XSS), reason=f"reason {XSS}")
    return {role: notifications_of(user) for role, user in people.items() if user}


def row_of(user):
    (row,) = notifications_of(user)
    return row


@pytest.mark.parametrize("role", ROLES)
def test_each_page_answers_each_role(role, people, notified):
    client = login(people[role])
    anybody_row = row_of(people["change"])
    own = notified.get(role) or []
    pages = {
        "list": client.get(reverse("netjsonconfig:notifications")),
        "settings": client.get(reverse("netjsonconfig:notification_settings")),
        "read all": client.post(reverse("netjsonconfig:notifications_read_all")),
        "read one": client.post(
            reverse("netjsonconfig:notification_read", args=[(own or [anybody_row])[0].pk])
        ),
    }
    if role == "anonymous":
        for name, response in pages.items():
            assert response.status_code == 302, name
            assert "/admin/login/" in response["Location"], name
        assert row_of(people["change"]).unread
        return
    assert pages["list"].status_code == 200
    assert pages["settings"].status_code == 200
    assert pages["read all"].status_code == 302
    # the one without permission was told nothing: the changer's is not theirs
    assert pages["read one"].status_code == (302 if own else 404)
    assert row_of(people["change"]).unread is (role != "change")


def test_the_list_shows_only_the_users_own_notifications(people, notified):
    viewer, changer = people["view"], people["change"]
    notify("device_registered", DeviceFactory(name="only-for-staff"))
    get_model("notification").objects.filter(recipient=changer, type="device_registered").delete()

    page = login(changer).get(reverse("netjsonconfig:notifications")).content.decode()
    assert "only-for-staff" not in page
    assert page.count('data-notification-id="') == 1
    page = login(viewer).get(reverse("netjsonconfig:notifications")).content.decode()
    assert page.count('data-notification-id="') == 2


def test_another_user_cannot_mark_a_notification_read(people, notified):
    theirs = row_of(people["change"])
    for method in ("post", "get"):
        response = getattr(login(people["view"]), method)(
            reverse("netjsonconfig:notification_read", args=[theirs.pk])
        )
        assert response.status_code in (404, 405)
    login(people["view"]).post(reverse("netjsonconfig:notifications_read_all"))
    assert row_of(people["change"]).unread
    assert not notifications_of(people["view"])[0].unread


def test_open_marks_read_and_goes_to_the_target(people, notified):
    row = row_of(people["view"])
    response = login(people["view"]).post(
        reverse("netjsonconfig:notification_read", args=[row.pk]), {"open": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == row.url
    assert not row_of(people["view"]).unread


def test_an_outside_link_is_never_followed(people, notified):
    row = row_of(people["view"])
    type(row).objects.filter(pk=row.pk).update(url="https://evil.example.org/")
    response = login(people["view"]).post(
        reverse("netjsonconfig:notification_read", args=[row.pk]), {"open": "1"}
    )
    assert response["Location"] == reverse("netjsonconfig:notifications")


def test_every_admin_page_shows_the_unread_count(people, notified):
    client = login(people["view"])
    for url in (reverse("admin:index"), admin_url("device", "changelist")):
        page = client.get(url).content.decode()
        link = re.search(r'<a href="([^"]+)" class="netjsonconfig-notifications-link[^"]*">', page)
        assert link and link.group(1) == reverse("netjsonconfig:notifications"), url
        assert '<span class="netjsonconfig-unread-count">1</span>' in page, url
    client.post(reverse("netjsonconfig:notifications_read_all"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "netjsonconfig-unread-count" not in page
    assert "netjsonconfig-notifications-link" in page


def test_markup_in_a_notification_is_shown_as_text(people, notified):
    page = login(people["view"]).get(reverse("netjsonconfig:notifications")).content.decode()
    assert XSS not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page.split('id="content-main"')[1]


def test_the_settings_page_saves_the_switches(people):
    user = people["view"]
    client = login(user)
    page = client.get(reverse("netjsonconfig:notification_settings")).content.decode()
    assert 'name="web_config_error" id="id_web_config_error" checked' in page
    assert 'name="email_host_key_mismatch" id="id_email_host_key_mismatch" checked' in page
    response = client.post(
        reverse("netjsonconfig:notification_settings"),
        {"web_device_registered": "on", "email_config_error": "on"},
    )
    assert response.status_code == 302
    saved = {
        s.type: (s.web, s.email) for s in get_model("notificationsetting").objects.filter(user=user)
    }
    assert saved["config_error"] == (False, True)
    assert saved["device_registered"] == (True, False)
    notify("config_error", DeviceFactory(name="ap-1"), reason="boom")
    assert notifications_of(user) == []


def test_a_superuser_sees_the_notifications_of_every_device():
    root = superuser()
    notify("device_registered", DeviceFactory(name="ap-1"))
    page = login(root).get(reverse("netjsonconfig:notifications")).content.decode()
    assert "A new device, ap-1, has registered" in page
