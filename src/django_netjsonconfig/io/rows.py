"""The rows of an imported file checked: each an unsaved device, and its errors."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .. import strictjson
from ..apps import get_model
from ..settings import app_settings
from ..validators import normalize_mac
from .columns import REQUIRED, TEXT_FIELDS, columns


@dataclass
class RowError:
    row: int  # 0: the file as a whole
    field: str
    message: str

    def __str__(self) -> str:
        where = _("Row %(row)d") % {"row": self.row} if self.row else _("File")
        return (
            f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class Row:
    """One row being checked: its values, its errors."""

    def __init__(self, number: int, data: dict[str, Any]) -> None:
        self.number, self.data = number, data
        self.errors: list[RowError] = []
        self.group_name = ""
        self.backend: str | None = None
        self.template_names: list[str] = []
        self.templates: list[Any] = []
        self.context: dict[str, Any] = {}
        self.config: dict[str, Any] = {}
        self.device: Any = None
        self.saved_config: Any = None

    def error(self, field_name: str, message: Any) -> None:
        self.errors.append(RowError(self.number, field_name, str(message)))

    def has_error(self, field_name: str) -> bool:
        return any(error.field == field_name for error in self.errors)

    def text(self, name: str) -> str:
        value = self.data.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(name, _("must be text, not %(type)s") % {"type": json_type(value)})
            return ""
        if isinstance(value, str) and not self.storable(name, value):
            return ""
        return str(value).strip()

    def storable(self, name: str, value: str) -> bool:
        """Whether the text ``value`` can be stored (an error for the row if not)."""
        try:
            strictjson.check(value)
        except strictjson.JSONInputError as exc:
            self.error(name, exc.message.replace("a string ", "", 1))
            return False
        return True

    def json_object(self, name: str) -> dict[str, Any]:
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
            self.error(name, _("must be a JSON object, not %(type)s") % {"type": json_type(value)})
            return {}
        return value

    def names(self, name: str) -> list[str]:
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


def json_type(value: Any) -> str:
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


def _backend_of(row: Row, backends: Iterable[tuple[str, Any]]) -> str | None:
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


def check_rows(parsed: list[tuple[int, Any]], defaults: dict[str, Any]) -> list[Row]:
    """Build the unsaved devices and what their configs need; collect the errors."""
    device_model = get_model("device")
    group_names: set[str] = set()
    template_names: set[str] = set()
    items: list[Row] = []
    for number, data in parsed:
        row = Row(number, data if isinstance(data, dict) else {})
        if not isinstance(data, dict):
            row.error("", _("must be an object, not %(type)s") % {"type": json_type(data)})
        items.append(row)
        row.group_name = row.text("group")
        row.template_names = row.names("templates")
        group_names.add(row.group_name)
        template_names.update(row.template_names)
    groups = {g.name: g for g in get_model("devicegroup").objects.filter(name__in=group_names)}
    templates = {t.name: t for t in get_model("template").objects.filter(name__in=template_names)}
    backends = app_settings.backend_choices()
    seen_names: dict[str, int] = {}
    seen_macs: dict[str, int] = {}
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
        chosen: list[Any] = []
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


def _check_duplicates(
    row: Row, values: dict[str, str], seen_names: dict[str, int], seen_macs: dict[str, int]
) -> None:
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
