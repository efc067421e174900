"""Delete old notifications (docs/notifications.md)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...notifications import housekeeping


class Command(BaseCommand):
    help = (
        "Delete the notifications read and not updated for --days days (90 by default); "
        "with --unread, the unread ones too."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=90, help="age in days (default 90)")
        parser.add_argument(
            "--unread", action="store_true", help="delete old unread notifications too"
        )

    def handle(self, *args: Any, days: int = 90, unread: bool = False, **options: Any) -> None:
        if days < 0:
            raise CommandError("--days cannot be negative")
        deleted = housekeeping.prune(days, unread=unread)
        self.stdout.write(f"{deleted} notifications deleted")
