"""Model forms of the admin; validation goes through the services."""

import copy
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db.models import Model
from django.forms.utils import ErrorDict

from ...devices import configs
from ...devices import templates as templates_service
from ...devices.devices import templates_for_group_change
from ..config import AbstractConfig
from ..template import AbstractTemplate
from .fields import (
    JSONObjectField,
    NetJSONConfigField,
    StrictJSONField,
    TagsField,
    TemplatesField,
)

FIELD_CLASSES = {
    "config": NetJSONConfigField,
    "context": JSONObjectField,
    "default_values": JSONObjectField,
    "meta_data": JSONObjectField,
    "extensions": StrictJSONField,
    "tags": TagsField,
    "templates": TemplatesField,
}


def group_templates(group_model: type[Any]) -> dict[str, list[str]]:
    """``{group pk: [template pks in order]}`` of the groups that have templates."""
    field = group_model._meta.get_field("templates")
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    order = getattr(field, "sort_value_field_name", None)
    rows = through.objects.values_list(f"{source}_id", f"{target}_id")
    if order:
        rows = rows.order_by(f"{source}_id", order)
    out: dict[str, list[str]] = {}
    for group_pk, template_pk in rows:
        out.setdefault(str(group_pk), []).append(str(template_pk))
    return out


def inherited_field_names(config_model: type[Any]) -> list[str]:
    """Fields a config takes from its device: those both models have that are not ours
    (an extending app's ``organization``), as ``devices.configs.inherited_fields`` says.
    The config forms do not show them; they copy them from the device."""
    ours = {f.name for f in AbstractConfig._meta.get_fields()} | {"templates", "vpn", "id"}
    device_model = config_model._meta.get_field("device").related_model
    device_fields = {f.name for f in device_model._meta.concrete_fields}
    return [
        f.name
        for f in config_model._meta.concrete_fields
        if f.name not in ours and f.name in device_fields
    ]


class BaseForm(forms.ModelForm):
    """JSON objects as pretty textareas, tags as text, templates ordered by drag and drop.

    Subclass it with ``class Meta(BaseForm.Meta): model = YourModel``. A
    template form also checks, through ``devices.templates.validate_standalone``,
    that the template renders on its own (and with the other default templates).
    """

    class Meta:
        # generic over the models (the seed's ``class Meta(BaseForm.Meta): model = ...``)
        exclude: list[str] = []  # noqa: DJ006
        field_classes = FIELD_CLASSES

    _errors: ErrorDict | None  # Django's, set by BaseForm.__init__ (not in the stubs)

    def _post_clean(self) -> None:
        super()._post_clean()  # type: ignore[misc]  # Django's hook, not in the stubs
        if self._errors:
            return
        try:
            self.validate_instance(self.instance)
        except ValidationError as exc:
            self.add_service_error(exc)

    def validate_instance(self, instance: Model) -> None:
        """Checks of the services, on the instance built from the form's data."""
        if isinstance(instance, AbstractTemplate):
            templates_service.validate_standalone(instance)

    def preview(self) -> str:
        """The native configuration of the (valid) form's instance, as text."""
        if isinstance(self.instance, AbstractTemplate):
            return templates_service.preview(self.instance)
        raise NotImplementedError(f"no preview for {type(self.instance).__name__}")

    def preview_archive(self) -> tuple[str, bytes]:
        """``(file name, tar.gz bytes)`` of the (valid) form's instance, saved or not."""
        if isinstance(self.instance, AbstractTemplate):
            return self.instance.name, templates_service.render(self.instance).archive
        raise NotImplementedError(f"no archive for {type(self.instance).__name__}")

    def add_service_error(self, exc: ValidationError) -> None:
        """Show ``exc`` next to its fields; errors of fields not in the form go on top."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for field, errors in exc.error_dict.items():
            self.add_error(field if field in self.fields else NON_FIELD_ERRORS, errors)


class AbstractConfigForm(BaseForm):
    """A device's configuration: backend, ordered templates, NetJSON and variables.

    A new config starts with the default and required templates of its backend
    selected. ``clean()`` refuses dropping a required template and anything that
    cannot render, naming the field, the template and the path; the templates
    to save (after a change of the device's group in the same form) are kept in
    ``templates_to_save``. ``save()`` goes through ``devices.configs.save``.
    """

    class Meta(BaseForm.Meta):
        # backend, templates, config, context (and device in the config admin); an
        # extending app's own fields (e.g. organization) are included too
        exclude = ["status", "error_reason"]  # noqa: DJ006

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.templates_to_save: list[Any] | None = None
        self.effective_templates: list[Any] | None = None
        if self.instance._state.adding and "templates" in self.fields:
            backend = self.initial.get("backend") or self.instance.backend
            if backend and not self.initial.get("templates"):
                self.initial["templates"] = [t.pk for t in configs.default_templates(backend)]
        if "templates" in self.fields:
            self._describe_templates(self.fields["templates"].widget)

    def _describe_templates(self, widget: Any) -> None:
        """What the templates widget's script needs: each group's templates (to mark
        them as such), and whether required templates may be unchecked."""
        if not hasattr(widget, "group_templates"):
            return
        widget.lock_required = not self.instance._state.adding
        device = getattr(self.instance, "device", None) if self.instance.device_id else None
        if device is not None and device.group_id is not None:
            widget.current_group = device.group_id
        device_model = type(self.instance)._meta.get_field("device").related_model
        try:
            group_field = device_model._meta.get_field("group")
        except Exception:  # noqa: BLE001 - a device model without groups
            return
        widget.group_templates = group_templates(group_field.related_model)

    def has_changed(self) -> bool:
        # a new config is always saved: the defaults it shows are a choice too
        return self.instance._state.adding or super().has_changed()

    def get_device(self) -> Any:
        device = self.cleaned_data.get("device")
        if device is None and self.instance.device_id:
            device = self.instance.device
        return device

    def candidate(self, device: Any) -> Any:
        """An unsaved copy of the instance with the cleaned values."""
        config = copy.copy(self.instance)
        for name in ("backend", "config", "context"):
            if name in self.cleaned_data:
                setattr(config, name, self.cleaned_data[name])
        config.device = device
        return config

    def clean(self) -> dict[str, Any]:
        # Django's Form.clean returns cleaned_data; the stubs say "| None" (an override may)
        cleaned: dict[str, Any] = super().clean()  # type: ignore[assignment]
        needed = ("backend", "templates", "config", "context")
        if any(name in self.fields and name not in cleaned for name in needed):
            return cleaned  # a field is invalid: its own error says why
        device = self.get_device()
        if device is None:
            return cleaned
        self._inherit_from(device)
        config = self.candidate(device)
        if "templates" in cleaned:
            chosen = list(cleaned["templates"])
        else:
            chosen = configs.ordered_templates(self.instance)
        if self.instance._state.adding:
            self.templates_to_save = chosen
            self.effective_templates = configs.initial_templates(config, chosen)
        else:
            templates = self._after_group_change(device, chosen, config.backend)
            if config.backend != self.instance.backend:
                # the new backend's required and group templates come with it
                templates = configs.initial_templates(config, templates)
            self.templates_to_save = self.effective_templates = templates
        try:
            if not self.instance._state.adding:
                configs.check_required_kept(self.instance, self.templates_to_save)
            configs.validate(config, self.effective_templates, device=device, group=device.group)
        except ValidationError as exc:
            self.add_service_error(exc)
        return cleaned

    def _inherit_from(self, device: Any) -> None:
        for name in inherited_field_names(type(self.instance)):
            if name not in self.fields:
                try:
                    setattr(self.instance, name, getattr(device, name))
                except ObjectDoesNotExist:
                    pass  # the device's own form reports it

    @staticmethod
    def _after_group_change(device: Any, templates: list[Any], backend: str) -> list[Any]:
        """The templates once a group change made in the same form is applied."""
        old_group_id = device.loaded_value("group_id")
        if device._state.adding or old_group_id == device.group_id:
            return templates
        group_model = type(device)._meta.get_field("group").related_model
        old_group = group_model.objects.filter(pk=old_group_id).first() if old_group_id else None
        return templates_for_group_change(templates, old_group, device.group, backend)

    def save(self, commit: bool = True) -> Any:
        config = super().save(commit=False)
        # as Django's own save(commit=False) does, with the templates left to the service
        self.save_m2m = self._save_other_m2m  # type: ignore[method-assign]
        if commit:
            self.save_through_services()
        return config

    def save_through_services(self) -> Any:
        """Save the config and its templates with ``devices.configs.save``."""
        config = self.instance
        created = config._state.adding
        if not created:
            # what the form did not edit may have changed since it was loaded (a status
            # reported by the device, a render after the device's own save): keep it
            config.refresh_from_db(fields=["status", "error_reason", "checksum_db"])
        templates = self.templates_to_save
        if templates is None and "templates" in self.cleaned_data:
            templates = list(self.cleaned_data["templates"])
        old_backend = None if created else config.loaded_value("backend")
        configs.save(config, templates, created=created, old_backend=old_backend)
        self._save_other_m2m()
        return config

    def _save_other_m2m(self) -> None:
        opts = self.instance._meta
        for field in opts.many_to_many:
            if field.name != "templates" and field.name in self.cleaned_data:
                field.save_form_data(self.instance, self.cleaned_data[field.name])

    def preview(self) -> str:
        """The native configuration of the (valid) form's data, saved or not."""
        device = self.get_device()
        config = self.candidate(device)
        return configs.preview(config, self.effective_templates, device=device, group=device.group)

    def preview_archive(self) -> tuple[str, bytes]:
        """``(file name, tar.gz bytes)`` the device would download for the form's data."""
        device = self.get_device()
        config = self.candidate(device)
        rendered = configs.render(
            config, self.effective_templates, device=device, group=device.group
        )
        return device.name or "configuration", rendered.archive
