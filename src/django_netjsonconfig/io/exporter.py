"""Devices exported as CSV or JSON, streamed row by row."""

import csv
import json
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from ..apps import get_model
from .columns import columns
from .csvformat import Echo, defuse_cell


def export_rows(queryset: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    """The devices of ``queryset`` as dicts of :func:`columns`, in a bounded number of
    queries per thousand devices."""
    queryset = queryset.select_related("group", "config").prefetch_related("config__templates")
    names = columns()
    for device in queryset.iterator(chunk_size=1000):
        config = _config_of(device)
        values = {
            "name": device.name,
            "mac_address": device.mac_address,
            "hardware_id": device.hardware_id,
            "group": device.group.name if device.group_id else "",
            "model": device.model,
            "os": device.os,
            "system": device.system,
            "notes": device.notes,
            "backend": config.backend if config else "",
            "templates": [t.name for t in config.templates.all()] if config else [],
            "context": (config.context or {}) if config else {},
            "config": (config.config or {}) if config else {},
        }
        yield {name: values[name] for name in names}


def _config_of(device: Any) -> Any:
    try:
        return device.config
    except get_model("config").DoesNotExist:
        return None


def export_csv(queryset: QuerySet[Any]) -> Iterator[str]:
    """The CSV text of the devices, line by line (for a streaming response); no cell
    is a formula (:func:`defuse_cell`)."""
    names = columns()
    writer = csv.DictWriter(Echo(), fieldnames=names, lineterminator="\n")
    # the csv module quotes a cell with a line break of the line terminator only: a row
    # with a lone carriage return has all its cells quoted, or it could not be read back
    quoted = csv.DictWriter(Echo(), fieldnames=names, lineterminator="\n", quoting=csv.QUOTE_ALL)
    yield writer.writeheader()
    for row in export_rows(queryset):
        templates = row["templates"]
        row["templates"] = (
            json.dumps(templates, ensure_ascii=False)
            if any("," in name for name in templates)
            else ", ".join(templates)
        )
        for name in ("context", "config"):
            row[name] = (
                json.dumps(row[name], ensure_ascii=False, sort_keys=True) if row[name] else ""
            )
        row = {name: defuse_cell(value) for name, value in row.items()}
        has_cr = any(isinstance(value, str) and "\r" in value for value in row.values())
        yield (quoted if has_cr else writer).writerow(row)


def export_json(queryset: QuerySet[Any]) -> Iterator[str]:
    """The JSON text of the devices (a list of objects), piece by piece."""
    yield "["
    for index, row in enumerate(export_rows(queryset)):
        yield ("," if index else "") + "\n  " + json.dumps(row, ensure_ascii=False, sort_keys=True)
    yield "\n]\n"
