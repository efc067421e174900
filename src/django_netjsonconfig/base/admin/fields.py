"""Form fields of the admin: JSON objects as pretty textareas, tags, ordered templates."""

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput, JSONString
from django.utils.translation import gettext_lazy as _
from sortedm2m.forms import SortedCheckboxSelectMultiple, SortedMultipleChoiceField

from ..template import parse_tags


class JSONTextarea(forms.Textarea):
    def __init__(self, attrs=None):
        defaults = {"class": "vLargeTextField netjsonconfig-json", "rows": 14}
        defaults["spellcheck"] = "false"
        super().__init__({**defaults, **(attrs or {})})


class JSONObjectField(forms.JSONField):
    """A JSON object edited as pretty-printed text; an empty box means ``{}``."""

    widget = JSONTextarea
    default_error_messages = {
        "invalid": _("Invalid JSON: %(error)s."),
        "not_object": _('Must be a JSON object, such as {"name": "value"}; got %(type)s.'),
    }

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            return {}
        if isinstance(value, (list, dict, int, float, JSONString)):
            return value
        try:
            converted = json.loads(value, cls=self.decoder)
        except json.JSONDecodeError as exc:
            raise ValidationError(
                self.error_messages["invalid"],
                code="invalid",
                params={
                    "value": value,
                    "error": f"{exc.msg} (line {exc.lineno}, column {exc.colno})",
                },
            ) from None
        return JSONString(converted) if isinstance(converted, str) else converted

    def validate(self, value):
        super().validate(value)
        if not isinstance(value, dict):
            kind = {list: "an array", str: "a string", JSONString: "a string"}.get(
                type(value), "a number" if isinstance(value, (int, float)) else "null"
            )
            raise ValidationError(
                self.error_messages["not_object"], code="not_object", params={"type": kind}
            )

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        return json.dumps(value, ensure_ascii=False, indent=4, cls=self.encoder)


class TagsField(forms.CharField):
    """Tags typed as ``"a b, c"``, stored as a sorted JSON list."""

    def __init__(self, *, encoder=None, decoder=None, **kwargs):
        kwargs.pop("max_length", None)
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text", _("Separate tags with spaces or commas.")
        )  # the model's help text, when given, wins
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, (list, tuple)):
            return " ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        return parse_tags(super().to_python(value) or "")

    def has_changed(self, initial, data):
        return parse_tags(initial or []) != self.to_python(data)


class TemplatesWidget(SortedCheckboxSelectMultiple):
    """sortedm2m's drag-and-drop checkboxes; its script posts ``"pk1,pk2"``,
    without script the checkboxes post one value each: both are accepted."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else data.get(name)
        if values is None:
            return []
        if isinstance(values, str):
            values = [values]
        return [part for value in values for part in str(value).split(",") if part]


class TemplatesField(SortedMultipleChoiceField):
    """Ordered templates; each choice names the backend, required and default ones marked."""

    widget = TemplatesWidget

    def label_from_instance(self, obj):
        label = f"{obj.name} ({obj.get_backend_display()})"
        if obj.required:
            return f"{label} [{_('required')}]"
        if obj.default:
            return f"{label} [{_('default')}]"
        return label
