"""Bulk actions of the device list: change group, add or remove templates, delete, export.

Each action asks for its parameters on an intermediate page, then calls
``fleet.bulk.submit`` once: over up to ``NETJSONCONFIG_BULK_SYNC_LIMIT``
devices the work is done at once, over more (or "select all" across pages) a
background job is started and the operator is taken to its progress page.

Each action names the permission it needs (``permissions``): changing the group or
the templates needs the change permission, deleting the delete permission, exporting
the view permission; a user without it is not offered the action, and a post of it
is refused.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ...fleet import bulk
from ...settings import app_settings
from .fields import TemplatesField


class FleetAdmin(Protocol):
    """What the actions use of the device admin (``fleet.FleetAdminMixin`` gives it):
    named here so that this module does not import the mixin that lists its actions."""

    @property
    def admin_site(self) -> Any: ...
    @property
    def model(self) -> Any: ...
    @property
    def media(self) -> forms.Media: ...
    @property
    def message_user(self) -> Callable[..., None]: ...
    def bulk_job_url(self, job: Any) -> str: ...
    def export_response(self, queryset: QuerySet[Any], fmt: str) -> StreamingHttpResponse: ...


if TYPE_CHECKING:
    #: an action of the device list (the admin is the device admin, with the fleet mixin)
    _Action = Callable[[FleetAdmin, HttpRequest, QuerySet[Any]], HttpResponseBase | None]

ACTION_TEMPLATE = "admin/django_netjsonconfig/bulk_action.html"
SAMPLE_SIZE = 10  # devices named on the intermediate page


def _related(device_model: type[Any], name: str) -> type[Any]:
    if name == "group":
        return device_model._meta.get_field("group").related_model
    config_model = device_model._meta.get_field("config").related_model
    return config_model._meta.get_field("templates").related_model


class BulkForm(forms.Form):
    action: str = None  # type: ignore[assignment]  # each form below names its action

    def __init__(self, *args: Any, device_model: type[Any], **kwargs: Any) -> None:
        self.device_model = device_model
        super().__init__(*args, **kwargs)

    def params(self) -> dict[str, Any]:
        return {}

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if not self.errors:
            try:
                bulk.validate(self.action, self.params())
            except ValidationError as exc:
                self.add_error(None, exc)
        return cleaned


class ChangeGroupForm(BulkForm):
    action = "change_group"
    group: "forms.ModelChoiceField[Any]" = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label=gettext_lazy("(no group)"),
        label=gettext_lazy("Group"),
        help_text=gettext_lazy(
            "The devices leave the templates of their old group and get those of the new one."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # the form's copy of ``group`` above (the stubs type self.fields as plain fields)
        self.fields["group"].queryset = _related(self.device_model, "group").objects.all()  # type: ignore[attr-defined]

    def params(self) -> dict[str, Any]:
        group = self.cleaned_data.get("group")
        return {"group": str(group.pk) if group else None}


class TemplatesForm(BulkForm):
    templates = TemplatesField(queryset=None, label=gettext_lazy("Templates"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["templates"]
        # the form's copy of ``templates`` above (the stubs type self.fields as plain fields)
        field.queryset = _related(self.device_model, "templates").objects.order_by("name")  # type: ignore[attr-defined]
        field.error_messages["required"] = _("Choose at least one template.")

    def params(self) -> dict[str, Any]:
        return {"templates": [str(t.pk) for t in self.cleaned_data.get("templates") or ()]}


class AddTemplatesForm(TemplatesForm):
    action = "add_templates"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["templates"].help_text = _(
            "Added after the templates each device has, to the devices whose backend is the "
            "template's; the others are skipped."
        )


class RemoveTemplatesForm(TemplatesForm):
    action = "remove_templates"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["templates"].help_text = _("Required templates cannot be removed.")


class ConfirmForm(BulkForm):
    action = "delete"


def _context(
    modeladmin: FleetAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    form: BulkForm,
    title: str,
    intro: str,
) -> dict[str, Any]:
    count = queryset.count()
    sample = list(queryset.order_by().values_list("name", flat=True)[:SAMPLE_SIZE])
    return {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "opts": modeladmin.model._meta,
        "form": form,
        "media": modeladmin.media + form.media,
        "count": count,
        "sample": sample,
        "more": max(0, count - len(sample)),
        "background": count > app_settings.BULK_SYNC_LIMIT and bulk.job_model() is not None,
        "action": request.POST.get("action", ""),
        "select_across": request.POST.get("select_across", "0"),
        "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }


def run_bulk_action(
    modeladmin: FleetAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    form_class: type[BulkForm],
    title: str,
    intro: str = "",
) -> HttpResponse | None:
    """The intermediate page of a bulk action, then its submission."""
    if "apply" in request.POST:
        form = form_class(request.POST, device_model=modeladmin.model)
        if form.is_valid():
            try:
                outcome = bulk.submit(form.action, queryset, form.params(), user=request.user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if outcome.job is not None:
                    modeladmin.message_user(request, outcome.message, messages.INFO)
                    return redirect(modeladmin.bulk_job_url(outcome.job))
                modeladmin.message_user(request, outcome.message, messages.SUCCESS)
                return None
    else:
        form = form_class(device_model=modeladmin.model)
    context = _context(modeladmin, request, queryset, form, title, intro)
    return TemplateResponse(request, ACTION_TEMPLATE, context)


@admin.action(
    description=gettext_lazy("Change the group of the selected devices"), permissions=["change"]
)
def change_group(
    modeladmin: FleetAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    return run_bulk_action(modeladmin, request, queryset, ChangeGroupForm, _("Change group"))


@admin.action(
    description=gettext_lazy("Add templates to the selected devices"), permissions=["change"]
)
def add_templates(
    modeladmin: FleetAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    return run_bulk_action(modeladmin, request, queryset, AddTemplatesForm, _("Add templates"))


@admin.action(
    description=gettext_lazy("Remove templates from the selected devices"), permissions=["change"]
)
def remove_templates(
    modeladmin: FleetAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    return run_bulk_action(
        modeladmin, request, queryset, RemoveTemplatesForm, _("Remove templates")
    )


@admin.action(
    description=gettext_lazy("Delete selected %(verbose_name_plural)s"), permissions=["delete"]
)
def delete_selected(
    modeladmin: FleetAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    """Django's confirmation page; over ``NETJSONCONFIG_BULK_SYNC_LIMIT`` devices, a
    summary (not a list of thousands) and a background job."""
    count = queryset.count()
    if count <= app_settings.BULK_SYNC_LIMIT or bulk.job_model() is None:
        return django_delete_selected(cast("admin.ModelAdmin[Any]", modeladmin), request, queryset)
    intro = ngettext(
        "The %(count)d selected device and its configuration will be deleted.",
        "The %(count)d selected devices and their configurations will be deleted.",
        count,
    ) % {"count": count}
    return run_bulk_action(modeladmin, request, queryset, ConfirmForm, _("Are you sure?"), intro)


def _export(modeladmin: FleetAdmin, queryset: QuerySet[Any], fmt: str) -> StreamingHttpResponse:
    return modeladmin.export_response(queryset, fmt)


@admin.action(description=gettext_lazy("Export the selected devices as CSV"), permissions=["view"])
def export_csv(
    modeladmin: FleetAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> StreamingHttpResponse:
    return _export(modeladmin, queryset, "csv")


@admin.action(description=gettext_lazy("Export the selected devices as JSON"), permissions=["view"])
def export_json(
    modeladmin: FleetAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> StreamingHttpResponse:
    return _export(modeladmin, queryset, "json")


DEVICE_ACTIONS: "list[_Action]" = [
    change_group,
    add_templates,
    remove_templates,
    delete_selected,
    export_csv,
    export_json,
]
