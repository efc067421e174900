"""Old notifications go: ``manage.py netjsonconfig_prune_notifications`` (a cron job)."""

from datetime import timedelta

from django.utils import timezone

from ..apps import get_optional_model


def prune(days: int, *, unread: bool = False) -> int:
    """Delete the notifications not updated for ``days`` days that were read (and, with
    ``unread``, those never read too); returns how many were deleted."""
    if days < 0:
        raise ValueError("days cannot be negative")
    model = get_optional_model("notification")
    if model is None:
        return 0
    old = model.objects.filter(updated__lt=timezone.now() - timedelta(days=days))
    if not unread:
        old = old.filter(unread=False)
    deleted, _by_model = old.delete()
    return deleted
