"""notify() and the built-in receivers: who is told, what, where, and when.

Recipients are superusers and staff users allowed to view (or change) the target's
model; each user's switches per type decide web and e-mail; events are delivered after
commit only, grouped per type into one notification per user.
"""

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_models_app
from django_netjsonconfig.devices import configs
from django_netjsonconfig.notifications import (
    get_notification_type,
    notify,
    register_notification_type,
    unregister_notification_type,
)
from django_netjsonconfig.notifications.builtin import BUILTIN_TYPES
from django_netjsonconfig.workflow.sending import send_on_commit

from ..factories import DeviceFactory, make_config
from ..helpers import register
from ..notification_helpers import (
    ConnectionStandIn,
    clear_mail_throttle,
    notifications_of,
    staff,
    superuser,
    switch,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clear_mail_throttle()
    yield
    clear_mail_throttle()


@pytest.fixture
def users():
    return {
        "root": superuser(),
        "viewer": staff("viewer", "view"),
        "changer": staff("changer", "change", via_group=True),
        "nobody": staff("nobody"),
        "inactive": staff("inactive", "view", is_active=False),
    }


def test_a_notification_reaches_superusers_and_staff_allowed_to_view_the_target(users):
    device = DeviceFactory(name="ap-1")
    notify("config_error", device, reason="boom")

    told = {name for name, user in users.items() if notifications_of(user)}
    assert told == {"root", "viewer", "changer"}
    (row,) = notifications_of(users["viewer"])
    assert (row.type, row.level, row.count, row.unread) == ("config_error", "error", 1, True)
    assert row.message == "The configuration of ap-1 has encountered an error: boom"
    assert row.url.endswith(f"/{device.pk}/change/")
    assert (row.target_model, row.target_id) == (device._meta.label_lower, str(device.pk))


def test_nothing_is_delivered_before_the_commit_nor_after_a_rollback(
    users, django_capture_on_commit_callbacks
):
    device = DeviceFactory(name="ap-1")
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            notify("config_error", device, reason="one")
            assert notifications_of(users["root"]) == []  # not committed yet
        try:
            with transaction.atomic():
                notify("device_registered", device)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert [n.type for n in notifications_of(users["root"])] == ["config_error"]


def test_events_of_one_type_become_one_grouped_notification_per_user(
    users, django_capture_on_commit_callbacks
):
    devices = [DeviceFactory(name=f"ap-{i}") for i in range(3)]
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for device in devices:
            notify("config_error", device, reason="boom")
    (row,) = notifications_of(users["root"])
    assert row.count == 3
    assert row.message == "Configuration error on 3 devices"
    assert row.url.endswith("/device/?config__status__exact=error")


def test_later_events_join_the_unread_notification_within_the_window(users, settings):
    first, second, third = (DeviceFactory(name=f"ap-{i}") for i in range(3))
    notify("config_error", first, reason="a")
    notify("config_error", second, reason="b")
    assert [n.count for n in notifications_of(users["root"])] == [2]

    # read: the next event starts a new notification
    notifications_of(users["root"])[0].__class__.objects.update(unread=False)
    notify("config_error", third, reason="c")
    assert [(n.count, n.unread) for n in notifications_of(users["root"])] == [
        (2, False),
        (1, True),
    ]

    # outside the window: a new one too
    settings.NETJSONCONFIG_NOTIFICATION_GROUP_WINDOW = 0
    notify("config_error", first, reason="d")
    assert [n.count for n in notifications_of(users["root"])] == [2, 1, 1]


def test_the_switches_of_a_user_decide_web_and_email(users):
    switch(users["viewer"], "config_error", web=False, email=True)
    switch(users["root"], "config_error", web=False, email=False)
    device = DeviceFactory(name="ap-1")
    notify("config_error", device, reason="boom")

    assert notifications_of(users["viewer"]) == []
    assert notifications_of(users["root"]) == []
    assert len(notifications_of(users["changer"])) == 1  # the type's defaults
    assert [m.to for m in mail.outbox] == [["viewer@example.org"]]
    message = mail.outbox[0]
    assert message.subject == "Configuration error on ap-1"
    assert "The configuration of ap-1 has encountered an error: boom" in message.body


def test_a_burst_sends_one_email_per_user_and_type_within_the_window(users, settings):
    settings.NETJSONCONFIG_NOTIFICATION_BASE_URL = "https://config.example.org/"
    switch(users["root"], "config_error", web=True, email=True)
    for i in range(3):
        notify("config_error", DeviceFactory(name=f"ap-{i}"), reason="boom")
    assert len(mail.outbox) == 1
    assert "https://config.example.org/admin/" in mail.outbox[0].body


def test_a_type_mailed_by_default_reaches_users_with_an_address_only(
    users, django_capture_on_commit_callbacks
):
    users["viewer"].email = ""
    users["viewer"].save()
    device = DeviceFactory(name="ap-1")
    with django_capture_on_commit_callbacks(execute=True):
        send_on_commit(
            signals.host_key_mismatch,
            ConnectionStandIn,
            instance=ConnectionStandIn(device),
            expected="SHA256:old",
            offered="SHA256:new",
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["changer@example.org", "root@example.org"]
    (row,) = notifications_of(users["viewer"])
    assert row.type == "host_key_mismatch"
    assert "SHA256:new" in row.message and "SHA256:old" in row.message
    assert "root over SSH" in row.message


def test_a_config_going_to_error_notifies_config_error(users, django_capture_on_commit_callbacks):
    config = make_config(DeviceFactory(name="ap-1"))
    with django_capture_on_commit_callbacks(execute=True):
        configs.set_status(config, "error", "uci commit failed")
    (row,) = notifications_of(users["root"])
    assert row.type == "config_error"
    assert row.message.endswith("uci commit failed")
    with django_capture_on_commit_callbacks(execute=True):
        configs.set_status(config, "applied")
    assert len(notifications_of(users["root"])) == 1  # only errors are news


def test_registrations_notify_new_and_returning_devices(
    users, device_client, secret, django_capture_on_commit_callbacks
):
    with_key = {"mac_address": "00:11:22:33:44:66", "name": "new-ap"}
    for _time in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert register(device_client, secret, **with_key).status_code == 201
    assert [(n.type, n.message) for n in notifications_of(users["root"])] == [
        ("device_registered", "A new device, new-ap, has registered"),
        ("device_reregistered", "The existing device new-ap has registered again"),
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, True, None),  # the first success of a new connection: no news
        (None, False, "connection_is_not_working"),
        (True, False, "connection_is_not_working"),
        (False, True, "connection_is_working"),
        (False, False, None),
    ],
)
def test_a_connection_that_changes_state_is_notified(users, old, new, expected):
    device = DeviceFactory(name="ap-1")
    signals.is_working_changed.send(
        sender=ConnectionStandIn,
        instance=ConnectionStandIn(device, is_working=new),
        is_working=new,
        old_is_working=old,
        failure_reason="" if new else "Authentication failed.",
        old_failure_reason="",
    )
    found = notifications_of(users["root"])
    assert [n.type for n in found] == ([expected] if expected else [])
    if expected == "connection_is_not_working":
        assert found[0].message == (
            "The connection to ap-1 (root over SSH) is not working: Authentication failed."
        )


def test_a_site_without_notification_models_is_not_notified(users, monkeypatch):
    monkeypatch.setattr(get_models_app(), "notification_model", None)
    notify("config_error", DeviceFactory(name="ap-1"), reason="boom")
    monkeypatch.undo()
    assert notifications_of(users["root"]) == []


def test_a_site_silences_a_builtin_type_by_unregistering_it(
    users, django_capture_on_commit_callbacks
):
    config = make_config(DeviceFactory(name="ap-1"))
    unregister_notification_type("config_error")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            configs.set_status(config, "error", "uci commit failed")
    finally:
        register_notification_type("config_error", BUILTIN_TYPES["config_error"])
    assert notifications_of(users["root"]) == []
    assert get_notification_type("config_error").level == "error"


def test_an_unsaved_target_or_an_unknown_type_is_refused_at_once(users):
    device = DeviceFactory.build(name="not-saved")
    with pytest.raises(ValueError, match="needs a saved target"):
        notify("config_error", device, reason="boom")
    with pytest.raises(ImproperlyConfigured, match='no notification type named "nope"'):
        notify("nope", DeviceFactory(name="ap-1"))
    assert notifications_of(users["root"]) == []
