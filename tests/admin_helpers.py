"""Helpers of the admin tests: the data a browser would post from an admin form.

``tests/http/test_admin_helpers.py`` proves they reproduce the form faithfully.
"""

from typing import Any

from django.forms import BaseForm, CheckboxInput
from django.test import Client
from django.urls import reverse

from django_netjsonconfig.apps import get_model

from .helpers import TestResponse


def admin_url(name: str, view: str, *args: Any) -> str:
    """The admin URL of ``view`` (add, change, changelist, download...) of model ``name``."""
    opts = get_model(name)._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _as_posted(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _default_organization(field: Any) -> Any:
    """The sample extension's models need an organization: the factories' default one."""
    return field.queryset.model.objects.get_or_create(name="default")[0].pk


def _add_form(data: dict[str, str], form: BaseForm) -> None:
    for bound in form:
        value = bound.value()
        if bound.name == "organization" and not value:
            value = _default_organization(bound.field)
        if isinstance(bound.field.widget, CheckboxInput):
            if value:
                data[bound.html_name] = "on"
        else:
            data[bound.html_name] = _as_posted(value)
        if bound.field.show_hidden_initial:
            data[bound.html_initial_name] = _as_posted(value)


def form_data(response: TestResponse) -> dict[str, str]:
    """The data of the admin form in ``response`` (a GET of an add or change page),
    inline formsets included, as the page would post it unchanged."""
    data: dict[str, str] = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    return data


def device_form_data(client: Client, device: Any = None) -> tuple[str, dict[str, str]]:
    """The URL and the data of the device add page (or change page of ``device``)."""
    url = admin_url("device", "change", device.pk) if device else admin_url("device", "add")
    response = client.get(url)
    assert response.status_code == 200
    return url, form_data(response)


def errors_of(response: TestResponse) -> dict[str, Any]:
    """``{field name: [messages]}`` of the device form and its config inline."""
    out = dict(response.context["adminform"].form.errors)
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.forms:
            out.update({f"config.{k}": v for k, v in form.errors.items()})
    return out
