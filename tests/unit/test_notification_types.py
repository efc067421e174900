"""Notification types: registered with a spec that is checked at once; duplicates and
unknown names refused with ImproperlyConfigured, as the other registries do."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_netjsonconfig.notifications import (
    get_notification_type,
    register_notification_type,
    unregister_notification_type,
)
from django_netjsonconfig.notifications.builtin import BUILTIN_TYPES

SPEC = {
    "verbose_name": "Backup failed",
    "level": "error",
    "message": "The backup of {target} failed: {reason}",
    "group_message": "Backups failed on {count:,} devices",
    "email_subject": "Backup failed: {target}",
}


@pytest.fixture
def backup_type():
    registered = register_notification_type("backup_failed", SPEC)
    yield registered
    unregister_notification_type("backup_failed")


def test_a_registered_type_writes_its_texts(backup_type):
    found = get_notification_type("backup_failed")
    assert found is backup_type
    assert found.message_for("ap-1", 1, {"reason": "disk full"}) == (
        "The backup of ap-1 failed: disk full"
    )
    assert found.message_for("ap-1", 12000, {}) == "Backups failed on 12,000 devices"
    assert found.subject_for("ap\n1", 1, {}) == "Backup failed: ap 1"
    # the defaults of the spec's optional keys
    assert (found.model, found.web, found.email, dict(found.list_query)) == (
        "device",
        True,
        False,
        {},
    )


def test_a_value_notify_was_not_given_reads_as_empty(backup_type):
    assert backup_type.message_for("ap-1", 1, {}) == "The backup of ap-1 failed: "


def test_a_second_registration_of_a_name_is_refused(backup_type):
    with pytest.raises(ImproperlyConfigured, match='"backup_failed" is already registered'):
        register_notification_type("backup_failed", SPEC)


def test_unregistering_an_unknown_name_is_refused():
    with pytest.raises(ImproperlyConfigured, match='no notification type named "nope"'):
        unregister_notification_type("nope")


def test_notifying_an_unknown_type_is_refused():
    with pytest.raises(ImproperlyConfigured, match='no notification type named "nope"'):
        get_notification_type("nope")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"level": "fatal"}, "level must be one of"),
        ({"message": ""}, "lacks ['message']"),
        ({"email_subject": None}, "lacks ['email_subject']"),
        ({"colour": "red"}, "unknown keys ['colour']"),
        ({"message": "{target.__class__}"}, "may only name values"),
        ({"group_message": "{count[0]}"}, "may only name values"),
        ({"message": "{target"}, "not a valid format"),
        ({"message": "{reason:,}"}, "message cannot be written"),
        ({"web": "yes"}, "web must be True or False"),
        ({"list_query": {"status": 1}}, "list_query must be a dict of texts"),
        ({"model": 3}, "model must be a text"),
    ],
)
def test_a_spec_that_is_not_right_is_refused_with_the_reason(change, message):
    with pytest.raises(ImproperlyConfigured, match=message.replace("[", r"\[").replace("]", r"\]")):
        register_notification_type("bad_type", {**SPEC, **change})
    with pytest.raises(ImproperlyConfigured):
        get_notification_type("bad_type")  # nothing half-registered


@pytest.mark.parametrize("name", ["", "has space", "x" * 65, 3])
def test_a_name_that_is_not_an_identifier_is_refused(name):
    with pytest.raises(ImproperlyConfigured, match="identifier"):
        register_notification_type(name, SPEC)


def test_the_builtin_types_are_registered_when_the_app_starts():
    for name in BUILTIN_TYPES:
        assert get_notification_type(name).name == name
    assert get_notification_type("config_error").list_query == {"config__status__exact": "error"}
