"""Re-render the configs a change marked, here and now."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...fleet import fanout
from ...queue.claim import claim, key_of


class Command(BaseCommand):
    help = (
        "Re-render the configurations marked by a change (template, group, global variables) "
        "that no background worker has rendered yet, e.g. after the broker was down."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, help="render at most this many")

    def handle(self, *args: Any, limit: int | None = None, **options: Any) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        before = fanout.pending_queryset().count()
        # the queue's claim: a web process's sweeper rendering them meanwhile waits
        with claim(key_of("render_pending"), wait=True):
            done = fanout.render_pending(limit=limit)
        left = fanout.pending_queryset().count()
        self.stdout.write(f"{before} pending, {done} rendered, {left} left")
