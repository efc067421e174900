"""Form fields of the admin: JSON objects as pretty textareas, NetJSON configurations
edited through a form generated from the backend's JSON schema, tags, ordered templates."""

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.forms.fields import InvalidJSONInput, JSONString
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from sortedm2m.forms import SortedCheckboxSelectMultiple, SortedMultipleChoiceField

from ... import strictjson
from ..template import parse_tags

if TYPE_CHECKING:
    from django.forms.renderers import BaseRenderer

STATIC = "django_netjsonconfig"
# the browser libraries copied from node_modules by ``make assets`` (see package.json);
# DOMPurify first: the schema editor sanitizes what it puts in the page with
# ``window.DOMPurify`` when it is there (and otherwise parses it with ``innerHTML``)
VENDOR_JS = (
    f"{STATIC}/vendor/purify.js",
    f"{STATIC}/vendor/jsoneditor.js",
    f"{STATIC}/vendor/codemirror/codemirror.js",
    f"{STATIC}/vendor/codemirror/javascript.js",
    f"{STATIC}/vendor/codemirror/matchbrackets.js",
    f"{STATIC}/vendor/codemirror/lint.js",
)
# the editor's own style rules, as files: it is told not to add them to the page in a
# <style> element, which the admin's Content-Security-Policy would refuse
VENDOR_CSS = (
    f"{STATIC}/vendor/jsoneditor/style.css",
    f"{STATIC}/vendor/jsoneditor/html.css",
    f"{STATIC}/vendor/jsoneditor/array.css",
    f"{STATIC}/vendor/jsoneditor/object.css",
    f"{STATIC}/vendor/codemirror/codemirror.css",
    f"{STATIC}/vendor/codemirror/lint.css",
)


@lru_cache(maxsize=1)
def editor_assets_installed() -> bool:
    """Whether ``make assets`` put the editor's libraries where staticfiles finds them.

    Without them the configuration stays a JSON text box (and the pages still render
    under a manifest storage, which refuses to name a missing file).
    """
    return all(finders.find(path) for path in (*VENDOR_JS, *VENDOR_CSS))


class JSONTextarea(forms.Textarea):
    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {"class": "vLargeTextField netjsonconfig-json", "rows": 14}
        defaults["spellcheck"] = "false"
        super().__init__({**defaults, **(attrs or {})})


class StrictJSONField(forms.JSONField):
    """Django's JSON form field, reading the text with ``strictjson``: what JSON is not
    (``NaN``), and what no database stores (a NUL, a lone surrogate, numbers too long,
    nesting too deep), is a validation error that says what and where, not an error of
    the database (or a 500) later."""

    default_error_messages = {"invalid": _("Invalid JSON: %(error)s.")}

    def to_python(self, value: Any) -> Any:
        if self.disabled:
            return value
        if value in self.empty_values:
            return None
        if isinstance(value, (list, dict, int, float, JSONString)):
            return value
        converted = self.parse(value)
        return JSONString(converted) if isinstance(converted, str) else converted

    def parse(self, value: str) -> Any:
        try:
            return strictjson.loads(value)
        except strictjson.JSONInputError as exc:
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={"value": value, "error": str(exc)},
            ) from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        """The posted text, shown again as it was when it is not valid (Django's parses
        it with ``json.loads``, which raises on what ``strictjson`` refuses)."""
        if self.disabled:
            return initial
        if data is None:
            return None
        try:
            return strictjson.loads(data)
        except strictjson.JSONInputError:
            return InvalidJSONInput(data)


class JSONObjectField(StrictJSONField):
    """A JSON object edited as pretty-printed text; an empty box means ``{}``."""

    widget = JSONTextarea
    default_error_messages = {
        "not_object": _('Must be a JSON object, such as {"name": "value"}; got %(type)s.'),
    }

    def to_python(self, value: Any) -> Any:
        if not self.disabled and value in self.empty_values:
            return {}
        return super().to_python(value)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not isinstance(value, dict):
            # (mypy types the keys as ABCMeta, which type(value) is not: the ignore)
            kind = {list: "an array", str: "a string", JSONString: "a string"}.get(  # type: ignore[call-overload]
                type(value), "a number" if isinstance(value, (int, float)) else "null"
            )
            raise ValidationError(
                self.error_messages["not_object"], code="not_object", params={"type": kind}
            )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=4, cls=self.encoder)


class SchemaEditorWidget(JSONTextarea):
    """The NetJSON textarea, turned by ``js/config-editor.js`` into a form generated from
    the JSON schema of the backend chosen in the same form (``backend_field``), with an
    advanced mode (the raw JSON in a code editor, validated as you type).

    The textarea stays the field that is posted: the editor writes into it, so saving,
    previewing and the server's errors work the same with or without the script.
    """

    backend_field = "backend"

    def __init__(
        self, attrs: dict[str, Any] | None = None, backend_field: str | None = None
    ) -> None:
        super().__init__(attrs)
        if backend_field:
            self.backend_field = backend_field

    @property
    def media(self) -> forms.Media:
        if not editor_assets_installed():
            return forms.Media()
        return forms.Media(
            css={"all": (*VENDOR_CSS, f"{STATIC}/css/admin.css")},
            js=(*VENDOR_JS, f"{STATIC}/js/config-editor.js"),
        )

    def schema_url(self) -> str:
        try:
            return reverse("netjsonconfig:schema")
        except NoReverseMatch:  # an extending site without our urls: the plain textarea
            return ""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        url = self.schema_url() if editor_assets_installed() else ""
        if url:
            prefix = name[: -len("config")] if name.endswith("config") else ""
            context["widget"]["attrs"].update(
                {
                    "data-netjsonconfig-editor": "schema",
                    "data-schema-url": url,
                    "data-backend-field": prefix + self.backend_field,
                }
            )
        return context


class NetJSONConfigField(JSONObjectField):
    """A NetJSON configuration: the schema editor, or a JSON text box without script."""

    widget = SchemaEditorWidget


class TagsField(forms.CharField):
    """Tags typed as ``"a b, c"``, stored as a sorted JSON list."""

    def __init__(
        self,
        *,
        encoder: type[json.JSONEncoder] | None = None,
        decoder: type[json.JSONDecoder] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("max_length", None)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Separate tags with spaces or commas.")
        )  # the model's help text, when given, wins
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return " ".join(str(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # a list, not a str
        text = super().to_python(value) or ""
        # the field's NUL check (of Django's CharField) runs on what this returns: a list
        ProhibitNullCharactersValidator()(text)
        return parse_tags(text)

    def has_changed(self, initial: Any, data: Any) -> bool:
        return parse_tags(initial or []) != self.to_python(data)


class TemplatesWidget(SortedCheckboxSelectMultiple):
    """sortedm2m's drag-and-drop checkboxes; its script posts ``"pk1,pk2"``,
    without script the checkboxes post one value each: both are accepted.

    Each template's backend and flags travel with the list (``data-templates``), and
    the templates of each device group (``data-group-templates``, set by the form), so
    that ``js/templates.js`` offers only the templates of the chosen backend, keeps the
    required ones checked and marks the group's.
    """

    backend_field = "backend"
    group_field = "group"

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = ()) -> None:
        super().__init__(attrs, choices)
        # {group pk: [template pks]}, when groups apply
        self.group_templates: dict[str, list[str]] | None = None
        self.current_group: object = None  # the group's pk when the form has no group field
        self.lock_required = False  # True on a saved config: required ones stay

    class Media:  # after sortedm2m's own (the metaclass extends the parent's media)
        js = (f"{STATIC}/js/templates.js",)
        css = {"screen": (f"{STATIC}/css/admin.css",)}

    def template_info(self) -> dict[str, dict[str, Any]]:
        info: dict[str, dict[str, Any]] = {}
        for value, _label in self.choices:
            instance = getattr(value, "instance", None)
            if instance is None:
                continue
            info[str(value)] = {
                "name": instance.name,
                "backend": instance.backend,
                "required": bool(getattr(instance, "required", False)),
                "default": bool(getattr(instance, "default", False)),
            }
        return info

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: "BaseRenderer | None" = None,
    ) -> str:
        html = super().render(name, value, attrs, renderer=renderer)
        prefix = name[: -len("templates")] if name.endswith("templates") else ""
        return format_html(
            '<div class="netjsonconfig-templates" data-templates="{}" data-group-templates="{}"'
            ' data-backend-field="{}" data-group-field="{}" data-current-group="{}"'
            ' data-lock-required="{}">{}</div>',
            json.dumps(self.template_info()),
            json.dumps(self.group_templates or {}),
            prefix + self.backend_field,
            self.group_field,
            "" if self.current_group is None else self.current_group,
            "1" if self.lock_required else "",
            html,
        )

    def value_from_datadict(
        self, data: Mapping[str, Any], files: Mapping[str, Any], name: str
    ) -> list[str]:
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if values is None:
            return []
        if isinstance(values, str):
            values = [values]
        return [part for value in values for part in str(value).split(",") if part]


class TemplatesField(SortedMultipleChoiceField):
    """Ordered templates; each choice names the backend, required and default ones marked."""

    widget = TemplatesWidget

    def label_from_instance(self, obj: Any) -> str:
        label = f"{obj.name} ({obj.get_backend_display()})"
        if obj.required:
            return f"{label} [{_('required')}]"
        if obj.default:
            return f"{label} [{_('default')}]"
        return label
