"""Re-render the configs a change marked, here and now."""

from django.core.management.base import BaseCommand, CommandError

from ...fleet import fanout


class Command(BaseCommand):
    help = (
        "Re-render the configurations marked by a change (template, group, global variables) "
        "that no background worker has rendered yet, e.g. after the broker was down."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="render at most this many")

    def handle(self, *args, limit=None, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        before = fanout.pending_queryset().count()
        done = fanout.render_pending(limit=limit)
        left = fanout.pending_queryset().count()
        self.stdout.write(f"{before} pending, {done} rendered, {left} left")
