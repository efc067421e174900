"""Writes of the API, through the admin's forms and the services behind them.

A device saved here goes exactly the way the admin's change form takes: the device's
form (``BaseForm``), then its configuration's (``AbstractConfigForm``: the templates
of a new group, the required templates kept, the NetJSON validated with the path of
an error) saved with ``devices.configs.save``, then the unit of work settled, in one
transaction and, with django-reversion, one revision. Templates, groups, VPN servers,
CAs and certificates likewise go through their admin forms and the save their admin
calls. The serializers only check types and shapes; nothing here is decided twice.
"""

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.db.models import Model
from django.forms.models import modelform_factory
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request

from ..apps import get_model
from ..base.admin.fields import TagsField
from ..base.admin.forms import AbstractConfigForm, BaseForm
from ..base.admin.pki import AbstractX509Form
from ..base.admin.vpn import AbstractVpnForm
from ..devices.devices import get_config
from ..history import versions as history
from ..pki import certificates as pki
from ..vpn import servers as vpns
from ..workflow import unit

CONFIG_FIELDS = ("backend", "templates", "context", "config")


# --- forms -----------------------------------------------------------------------------------
def _as_data(field: forms.Field, value: Any) -> Any:
    """``value`` (a model value, or a value the serializer validated) as posted data."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        return [str(getattr(v, "pk", v)) for v in value or ()]
    if isinstance(field, forms.ModelChoiceField):
        value = getattr(value, "pk", value)
        return "" if value is None else str(value)
    if isinstance(field, TagsField):
        return " ".join(str(v) for v in value or ()) if not isinstance(value, str) else value
    if isinstance(field, forms.JSONField):
        # the text the admin posts, read again by the field (strictjson)
        return "" if value is None else json.dumps(value)
    return "" if value is None else value


def bind(form_class: type[forms.ModelForm], instance: Model, data: Mapping[str, Any]) -> Any:
    """A form of ``form_class`` bound to ``instance``: its current values (a new
    object's defaults, the admin's initial choices), with ``data`` over them."""
    unbound = form_class(instance=instance)
    posted = {}
    for name, field in unbound.fields.items():
        value = data[name] if name in data else unbound.get_initial_for_field(field, name)
        posted[name] = _as_data(field, value)
    return form_class(data=posted, instance=instance)


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    """The errors of ``form`` as the API reports them (``non_field_errors`` for the
    form's own)."""
    out: dict[str, list[str]] = {}
    for name, errors in form.errors.items():
        out["non_field_errors" if name == NON_FIELD_ERRORS else name] = [str(e) for e in errors]
    return out


def form_for(model: type[Model], base: type[forms.ModelForm], fields: list[str]) -> Any:
    return modelform_factory(model, form=base, fields=fields)


# --- versions ----------------------------------------------------------------------------------
@contextlib.contextmanager
def revision(request: Request, comment: str) -> Iterator[None]:
    """One transaction, and with django-reversion one revision by the request's user,
    as the admin's ``VersionAdmin`` keeps one per save."""
    with transaction.atomic():
        if not history.enabled():
            yield
            return
        reversion = history.reversion_lib().reversion
        with reversion.create_revision():
            user = request.user
            if user is not None and user.is_authenticated:
                reversion.set_user(user)
            reversion.set_comment(comment)
            yield


def _comment(created: bool, fields: Mapping[str, Any]) -> str:
    if created:
        return "Added through the REST API."
    names = ", ".join(sorted(fields)) or "nothing"
    return f"Changed through the REST API: {names}."


# --- devices -----------------------------------------------------------------------------------
def save_device(
    request: Request,
    device: Model | None,
    fields: list[str],
    data: Mapping[str, Any],
    config_data: Mapping[str, Any] | None,
) -> Any:
    """Create (``device`` None) or change a device and, when ``config_data`` is given,
    its configuration; a ``ValidationError`` names every field in error (the
    configuration's under ``config``)."""
    created = device is None
    device_model = get_model("device")
    instance = device_model() if device is None else device
    device_form = bind(form_for(device_model, BaseForm, fields), instance, data)
    errors: dict[str, Any] = {}
    if not device_form.is_valid():
        errors.update(form_errors(device_form))
    config_form = None
    if config_data is not None:
        config_model = get_model("config")
        config = None if created else get_config(instance)
        config = config_model() if config is None else config
        # the edited device, as the admin's inline formset gives it (a new group's
        # templates, the fields a config takes from its device)
        config.device = device_form.instance
        config_form = bind(
            form_for(config_model, AbstractConfigForm, list(CONFIG_FIELDS)), config, config_data
        )
        if not config_form.is_valid():
            errors["config"] = form_errors(config_form)
    if errors:
        raise ValidationError(errors)
    changed = {**data, **({"config": 1} if config_data is not None else {})}
    with revision(request, _comment(created, changed)):
        saved = device_form.save()
        if config_form is not None and (
            config_form.instance._state.adding or config_form.has_changed()
        ):
            config_form.instance.device = saved
            config_form.save_through_services()
        unit.settle()
    return saved


# --- the other models ----------------------------------------------------------------------------
def _save_with(
    request: Request,
    model: type[Model],
    base: type[forms.ModelForm],
    instance: Model | None,
    fields: list[str],
    data: Mapping[str, Any],
    save: Callable[[Any], Any],
) -> Any:
    created = instance is None
    form = bind(form_for(model, base, fields), model() if instance is None else instance, data)
    if not form.is_valid():
        raise ValidationError(form_errors(form))
    with revision(request, _comment(created, data)):
        obj = form.save(commit=False)
        save(obj)
        form.save_m2m()
        unit.settle()
    return obj


def save_template(request: Request, obj: Model | None, fields: list[str], data: Mapping) -> Any:
    """As the template admin: ``BaseForm`` (it renders the template alone) and save."""
    return _save_with(
        request, get_model("template"), BaseForm, obj, fields, data, lambda t: t.save()
    )


def save_group(request: Request, obj: Model | None, fields: list[str], data: Mapping) -> Any:
    """As the group admin: the templates change through the m2m manager, and the
    devices follow through the unit of work."""
    return _save_with(
        request, get_model("devicegroup"), BaseForm, obj, fields, data, lambda g: g.save()
    )


def save_vpn(request: Request, obj: Model | None, fields: list[str], data: Mapping) -> Any:
    """As the VPN admin: validated by ``vpn.servers``, saved with ``vpn.servers.save``."""
    return _save_with(request, get_model("vpn"), AbstractVpnForm, obj, fields, data, vpns.save)


def save_ca(request: Request, obj: Model | None, fields: list[str], data: Mapping) -> Any:
    """As the CA admin: generated or imported, saved with ``pki.save_ca``."""
    return _save_with(request, get_model("ca"), AbstractX509Form, obj, fields, data, pki.save_ca)


def save_cert(request: Request, obj: Model | None, fields: list[str], data: Mapping) -> Any:
    """As the certificate admin: signed by its CA or imported, ``pki.save_cert``."""
    return _save_with(
        request, get_model("cert"), AbstractX509Form, obj, fields, data, pki.save_cert
    )


def delete(request: Request, obj: Model) -> None:
    """As the admin's delete (a version of the object is saved first, by the receivers)."""
    with revision(request, "Deleted through the REST API."):
        obj.delete()
        unit.settle()
