"""Re-render configs and record the ones whose checksum changed."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ...apps import get_model
from ...devices import configs


class Command(BaseCommand):
    help = (
        "Re-render device configurations and set to 'modified' those whose output changed "
        "(run it after changing NETJSONCONFIG_CONTEXT or NETJSONCONFIG_BACKENDS)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--backend", help="only configs of this backend")
        parser.add_argument("--device", action="append", default=[], help="device name (repeat)")

    def handle(
        self,
        *args: Any,
        backend: str | None = None,
        device: list[str] | tuple[str, ...] = (),
        **options: Any,
    ) -> None:
        queryset = get_model("config").objects.select_related("device").order_by("pk")
        if backend:
            queryset = queryset.filter(backend=backend)
        if device:
            queryset = queryset.filter(device__name__in=device)
            found = set(queryset.values_list("device__name", flat=True))
            missing = sorted(set(device) - found)
            if missing:
                raise CommandError(f"no configuration for device(s): {', '.join(missing)}")
        total = changed = failed = 0
        for config in queryset.iterator(chunk_size=500):
            total += 1
            changed += configs.refresh(config, "config_changed")
            failed += config.status == "error" and config.checksum_db is None
        self.stdout.write(f"{total} configs rendered, {changed} changed, {failed} cannot render")
