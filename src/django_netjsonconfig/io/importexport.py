"""Import and export of devices as CSV or JSON.

One row per device, with these columns (``hardware_id`` too when
``NETJSONCONFIG_HARDWARE_ID_ENABLED``):

=============== ==================================================================
``name``        required; a hostname or a MAC address, unique (case-insensitive)
``mac_address`` required, unique; any usual notation (``aa-bb-...``, ``aabb...``)
``group``       the name of an existing device group, or empty
``model``, ``os``, ``system``, ``notes``   free text
``backend``     dotted path or label of a configured backend; empty: the default
``templates``   names of existing templates of that backend, in order: a JSON list,
                or in CSV names separated by commas; required, default and group
                templates are added as for any new device
``context``     the device variables, a JSON object (in CSV, its JSON text)
``config``      the device's own NetJSON, a JSON object (in CSV, its JSON text)
=============== ==================================================================

In CSV, a cell that a spreadsheet would take for a formula (one starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return, after any leading spaces) is written
with a single quote before it, as is a cell that starts with a quote; an import
removes that one quote, so a file exported then imported gives back the same values
(:func:`defuse_cell`, :func:`restore_cell`). JSON is written as it is.

An import creates new devices, each with its configuration, through the same
services as the admin (``configs.save``), all in one transaction: if any row
is wrong, nothing is written, and every wrong row is reported with its number
(row 1 is the first device; in CSV, the line after the header) and the reason.
A dry run does everything but commit, so its report is exactly what the import
would do, rendering errors included.
"""

import csv
import io
import json
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import strictjson
from ..apps import get_model
from ..devices import configs
from ..history import versions as history
from ..settings import app_settings
from ..validators import normalize_mac

FORMATS = ("csv", "json")
TEXT_FIELDS = ("name", "mac_address", "hardware_id", "model", "os", "system", "notes")
REQUIRED = ("name", "mac_address")


def columns():
    names = ["name", "mac_address", "group", "model", "os", "system", "notes"]
    if app_settings.HARDWARE_ID_ENABLED:
        names.insert(2, "hardware_id")
    return names + ["backend", "templates", "context", "config"]


# --- export --------------------------------------------------------------------------------------
#: what makes a spreadsheet read a cell as a formula (OWASP's list): ``=1+1``,
#: ``@SUM(...)``, ``-2+3``, ``=cmd|' /C calc'!A0``...
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: leading characters spreadsheets skip before they look for a formula
SKIPPED_BEFORE_FORMULA = " \n\u00a0"


def _needs_quote(value):
    return value[:1] == "'" or value.lstrip(SKIPPED_BEFORE_FORMULA)[:1] in FORMULA_STARTS


def defuse_cell(value):
    """A CSV cell no spreadsheet runs as a formula: ``'`` before a value that would be
    one, and before a value that starts with ``'`` (so that :func:`restore_cell` knows
    which quote to remove)."""
    if isinstance(value, str) and value and _needs_quote(value):
        return "'" + value
    return value


def restore_cell(value):
    """The value :func:`defuse_cell` was given: its quote removed. A quote before a
    formula in a hand-written file goes too, as a spreadsheet would not show it."""
    if isinstance(value, str) and value[:1] == "'" and _needs_quote(value[1:]):
        return value[1:]
    return value


def export_rows(queryset):
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


def _config_of(device):
    try:
        return device.config
    except get_model("config").DoesNotExist:
        return None


class _Echo:
    def write(self, value):
        return value


def export_csv(queryset):
    """The CSV text of the devices, line by line (for a streaming response); no cell
    is a formula (:func:`defuse_cell`)."""
    names = columns()
    writer = csv.DictWriter(_Echo(), fieldnames=names, lineterminator="\n")
    # the csv module quotes a cell with a line break of the line terminator only: a row
    # with a lone carriage return has all its cells quoted, or it could not be read back
    quoted = csv.DictWriter(_Echo(), fieldnames=names, lineterminator="\n", quoting=csv.QUOTE_ALL)
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


def export_json(queryset):
    """The JSON text of the devices (a list of objects), piece by piece."""
    yield "["
    for index, row in enumerate(export_rows(queryset)):
        yield ("," if index else "") + "\n  " + json.dumps(row, ensure_ascii=False, sort_keys=True)
    yield "\n]\n"


# --- import --------------------------------------------------------------------------------------
@dataclass
class RowError:
    row: int  # 0: the file as a whole
    field: str
    message: str

    def __str__(self):
        where = _("Row %(row)d") % {"row": self.row} if self.row else _("File")
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    dry_run: bool = False
    errors: list = field(default_factory=list)
    preview: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors

    @property
    def message(self):
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


def guess_format(filename):
    name = (filename or "").lower()
    return "json" if name.endswith(".json") else "csv"


def parse(content, fmt):
    """``[(row number, dict)]`` of a CSV or JSON text (or bytes); raises ``ValidationError``
    for a file that cannot be read at all."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(_("The file is not UTF-8 text.")) from None
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown format: %(format)s.") % {"format": fmt})
    if fmt == "json":
        try:
            data = strictjson.loads(content)
        except strictjson.JSONInputError as exc:
            raise ValidationError(
                _("The file is not valid JSON: %(error)s.") % {"error": exc}
            ) from None
        if not isinstance(data, list):
            raise ValidationError(_("The JSON file must hold a list of devices."))
        rows = list(enumerate(data, start=1))
        keys = {key for _n, item in rows if isinstance(item, dict) for key in item}
    else:
        # strict: a quote left open is an error, not the rest of the file in one cell
        reader = csv.DictReader(io.StringIO(content), strict=True)
        try:
            rows = [(n, row) for n, row in enumerate(reader, start=1) if any(row.values())]
        except csv.Error as exc:
            raise ValidationError(
                _("The CSV file cannot be read: %(error)s.") % {"error": exc}
            ) from None
        for number, row in rows:
            if None in row:  # more cells than the header has names
                raise ValidationError(
                    _("Row %(row)d has more values than the header has columns.") % {"row": number}
                )
        keys = set(reader.fieldnames or ())
        missing = [name for name in REQUIRED if name not in keys]
        if missing:
            raise ValidationError(
                _("The CSV header lacks the columns: %(names)s.") % {"names": ", ".join(missing)}
            )
    unknown = sorted(str(key) for key in keys if key not in columns())
    if unknown:
        raise ValidationError(
            _("Unknown columns: %(names)s (known: %(known)s).")
            % {"names": ", ".join(unknown), "known": ", ".join(columns())}
        )
    if not rows:
        raise ValidationError(_("The file holds no devices."))
    return rows


class _Row:
    """One row being checked: its values, its errors."""

    def __init__(self, number, data):
        self.number, self.data, self.errors = number, data, []
        self.group_name, self.template_names, self.backend, self.templates = "", [], None, []
        self.context, self.config, self.device, self.saved_config = {}, {}, None, None

    def error(self, field_name, message):
        self.errors.append(RowError(self.number, field_name, str(message)))

    def has_error(self, field_name):
        return any(error.field == field_name for error in self.errors)

    def text(self, name):
        value = self.data.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(name, _("must be text, not %(type)s") % {"type": _json_type(value)})
            return ""
        if isinstance(value, str) and not self.storable(name, value):
            return ""
        return str(value).strip()

    def storable(self, name, value):
        """Whether the text ``value`` can be stored (an error for the row if not)."""
        try:
            strictjson.check(value)
        except strictjson.JSONInputError as exc:
            self.error(name, exc.message.replace("a string ", "", 1))
            return False
        return True

    def json_object(self, name):
        value = self.data.get(name)
        if value in (None, ""):
            return {}
        if isinstance(value, str):
            try:
                value = strictjson.loads(value)
            except strictjson.JSONInputError as exc:
                self.error(name, _("invalid JSON: %(error)s") % {"error": exc.message})
                return {}
        if not isinstance(value, dict):
            self.error(name, _("must be a JSON object, not %(type)s") % {"type": _json_type(value)})
            return {}
        return value

    def names(self, name):
        value = self.data.get(name)
        if value in (None, ""):
            return []
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.startswith("["):
                try:
                    value = strictjson.loads(stripped)
                except strictjson.JSONInputError as exc:
                    self.error(name, _("invalid JSON list: %(error)s") % {"error": exc.message})
                    return []
            elif not self.storable(name, stripped):
                return []
            else:
                return [part.strip() for part in stripped.split(",") if part.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.error(name, _("must be a list of names"))
            return []
        return [v.strip() for v in value if v.strip()]


def _json_type(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return "a number"
    if value is None:
        return "null"
    return "a string"


def _backend_of(row, backends):
    value = row.text("backend")
    if not value:
        return app_settings.DEFAULT_BACKEND
    for path, label in backends:
        if value == path or value.lower() == str(label).lower():
            return path
    row.error(
        "backend",
        _('unknown backend "%(value)s" (known: %(known)s)')
        % {"value": value, "known": ", ".join(path for path, _label in backends)},
    )
    return None


def _check_rows(parsed, defaults):
    """Build the unsaved devices and what their configs need; collect the errors."""
    device_model = get_model("device")
    group_names, template_names, items = set(), set(), []
    for number, data in parsed:
        row = _Row(number, data if isinstance(data, dict) else {})
        if not isinstance(data, dict):
            row.error("", _("must be an object, not %(type)s") % {"type": _json_type(data)})
        items.append(row)
        row.group_name = row.text("group")
        row.template_names = row.names("templates")
        group_names.add(row.group_name)
        template_names.update(row.template_names)
    groups = {g.name: g for g in get_model("devicegroup").objects.filter(name__in=group_names)}
    templates = {t.name: t for t in get_model("template").objects.filter(name__in=template_names)}
    backends = app_settings.backend_choices()
    seen_names, seen_macs = {}, {}
    for row in items:
        if row.errors and not row.data:
            continue
        values = {name: row.text(name) for name in TEXT_FIELDS if name in columns()}
        for name in REQUIRED:
            if not values[name] and not row.has_error(name):
                row.error(name, _("is required"))
        group = None
        if row.group_name:
            group = groups.get(row.group_name)
            if group is None:
                row.error("group", _('unknown group "%(name)s"') % {"name": row.group_name})
        backend = _backend_of(row, backends)
        chosen = []
        for name in row.template_names:
            template = templates.get(name)
            if template is None:
                row.error("templates", _('unknown template "%(name)s"') % {"name": name})
            elif backend and template.backend != backend:
                row.error(
                    "templates",
                    _('template "%(name)s" is for the backend %(template)s, not %(backend)s')
                    % {"name": name, "template": template.backend, "backend": backend},
                )
            elif template not in chosen:
                chosen.append(template)
        row.context = row.json_object("context")
        row.config = row.json_object("config")
        row.backend, row.templates = backend, chosen
        _check_duplicates(row, values, seen_names, seen_macs)
        device = device_model(group=group, **values, **defaults)
        try:
            device.full_clean(exclude=["key"])
        except ValidationError as exc:
            for field_name, messages in exc.message_dict.items():
                name = "" if field_name == "__all__" else field_name
                if name and row.has_error(name):
                    continue  # already said, in our words
                for message in messages:
                    row.error(name, message)
        row.device = device
    return items


def _check_duplicates(row, values, seen_names, seen_macs):
    name = values.get("name", "").lower()
    if name:
        if name in seen_names:
            row.error(
                "name",
                _('"%(name)s" is also the name of row %(other)d')
                % {"name": values["name"], "other": seen_names[name]},
            )
        else:
            seen_names[name] = row.number
    try:
        mac = normalize_mac(values.get("mac_address", ""))
    except ValueError:
        return  # the field's validator reports it
    if mac in seen_macs:
        row.error(
            "mac_address",
            _("%(mac)s is also the MAC address of row %(other)d")
            % {"mac": mac, "other": seen_macs[mac]},
        )
    else:
        seen_macs[mac] = row.number


def import_devices(content, fmt="csv", *, dry_run=False, defaults=None, user=None):
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
        parsed = [(number, _restore_row(row)) for number, row in parsed]
    result.rows = len(parsed)
    items = _check_rows(parsed, defaults or {})
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


def _restore_row(row):
    """A CSV row with the quotes of :func:`defuse_cell` removed."""
    return {name: restore_cell(value) for name, value in row.items()}


def _create(row):
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


def _preview(row):
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
