"""``manage.py netjsonconfig_prune_notifications``: old read notifications go, unread ones
stay unless asked, recent ones stay."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_netjsonconfig.apps import get_model

from ..notification_helpers import superuser

pytestmark = pytest.mark.django_db


def make(user, *, days, unread):
    return get_model("notification").objects.create(
        recipient=user,
        type="config_error",
        message=f"{days} days, unread={unread}",
        unread=unread,
        updated=timezone.now() - timedelta(days=days),
    )


def prune(*args):
    out = StringIO()
    call_command("netjsonconfig_prune_notifications", *args, stdout=out)
    return out.getvalue().strip()


def test_old_read_notifications_go_and_the_others_stay():
    root = superuser()
    old_read, old_unread = make(root, days=100, unread=False), make(root, days=100, unread=True)
    recent_read = make(root, days=10, unread=False)

    assert prune() == "1 notifications deleted"
    left = set(get_model("notification").objects.values_list("pk", flat=True))
    assert left == {old_unread.pk, recent_read.pk}
    assert old_read.pk not in left

    assert prune("--days", "5", "--unread") == "2 notifications deleted"
    assert not get_model("notification").objects.exists()


def test_a_negative_age_is_refused():
    with pytest.raises(CommandError, match="--days cannot be negative"):
        prune("--days", "-1")
