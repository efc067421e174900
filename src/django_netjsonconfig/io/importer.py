"""Devices imported from a CSV or JSON file, all or nothing.

An import creates new devices, each with its configuration, through the same
services as the admin (``configs.save``), all in one transaction: if any row
is wrong, nothing is written, and every wrong row is reported with its number
(row 1 is the first device; in CSV, the line after the header) and the reason.
A dry run does everything but commit, so its report is exactly what the import
would do, rendering errors included.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..apps import get_model
from ..devices import configs
from ..history import versions as history
from .columns import FORMATS, columns
from .csvformat import read_csv, restore_row
from .jsonformat import read_json
from .rows import Row, RowError, check_rows


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def message(self) -> str:
        if self.errors:
            return ngettext(
                "Nothing was imported: %(count)d error.",
                "Nothing was imported: %(count)d errors.",
                len(self.errors),
            ) % {"count": len(self.errors)}
        if self.dry_run:
            return ngettext(
                "Dry run: %(count)d device would be imported.",
                "Dry run: %(count)d devices would be imported.",
                self.rows,
            ) % {"count": self.rows}
        return ngettext(
            "%(count)d device imported.", "%(count)d devices imported.", self.created
        ) % {"count": self.created}


class _Rollback(Exception):
    pass


def guess_format(filename: str | None) -> str:
    name = (filename or "").lower()
    return "json" if name.endswith(".json") else "csv"


def parse(content: str | bytes, fmt: str) -> list[tuple[int, Any]]:
    """``[(row number, dict)]`` of a CSV or JSON text (or bytes); raises ``ValidationError``
    for a file that cannot be read at all."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text.")) from None
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown format: %(format)s.") % {"format": fmt})
    rows, keys = read_json(content) if fmt == "json" else read_csv(content)
    unknown = sorted(str(key) for key in keys if key not in columns())
    if unknown:
        raise ValidationError(
            _("Unknown columns: %(names)s (known: %(known)s).")
            % {"names": ", ".join(unknown), "known": ", ".join(columns())}
        )
    if not rows:
        raise ValidationError(_("The file holds no devices."))
    return rows


def import_devices(
    content: str | bytes,
    fmt: str = "csv",
    *,
    dry_run: bool = False,
    defaults: dict[str, Any] | None = None,
    user: Any = None,
) -> ImportResult:
    """Create the devices of a CSV or JSON file (text or bytes), each with its config.

    All or nothing: returns an :class:`ImportResult` whose ``errors`` list every wrong
    row (nothing is then written); with ``dry_run`` nothing is written either, and
    ``preview`` shows what would be. ``defaults`` are values for every device (an
    extending app's own required fields, e.g. an organization).
    """
    result = ImportResult(dry_run=dry_run)
    try:
        parsed = parse(content, fmt)
    except ValidationError as exc:
        result.errors = [RowError(0, "", message) for message in exc.messages]
        return result
    if fmt == "csv":
        parsed = [(number, restore_row(row)) for number, row in parsed]
    result.rows = len(parsed)
    items = check_rows(parsed, defaults or {})
    try:
        with transaction.atomic():
            for row in items:
                if row.errors:
                    continue
                _create(row)
                if not row.errors:
                    result.created += 1
            result.errors = [error for row in items for error in row.errors]
            result.preview = [_preview(row) for row in items]
            if result.errors or dry_run:
                raise _Rollback
            # a version of each device (with its config), each revertible alone
            comment = _("Imported from a %(format)s file.") % {"format": fmt.upper()}
            history.snapshot_devices([row.device.pk for row in items], comment, user=user)
    except _Rollback:
        result.created = 0
    return result


def _create(row: Row) -> None:
    config_model = get_model("config")
    try:
        with transaction.atomic():
            device = row.device
            device.save()
            config = config_model(
                device=device,
                backend=row.backend,
                config=row.config,
                context=row.context,
                **configs.inherited_fields(config_model, device),
            )
            configs.save(config, row.templates, created=True)
    except IntegrityError as exc:
        row.error("", _("conflicts with an existing device: %(error)s") % {"error": exc})
        return
    row.saved_config = config
    if config.status == "error":
        row.error("config", config.error_reason)


def _preview(row: Row) -> dict[str, Any]:
    config = row.saved_config
    templates = [t.name for t in configs.ordered_templates(config)] if config else []
    return {
        "row": row.number,
        "name": row.device.name if row.device is not None else "",
        "mac_address": row.device.mac_address if row.device is not None else "",
        "group": row.group_name,
        "backend": row.backend or "",
        "templates": templates,
        "errors": [str(error) for error in row.errors],
    }
