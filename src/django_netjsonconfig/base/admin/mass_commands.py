"""The device list's action "Send a command to the selected devices": the command's
type and its fields (generated from the type's schema, as on the device page), then a
background job (``connection.mass``) whose page shows the progress and a result per
device."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...connection import commands, mass
from ...fleet import bulk
from .actions import ACTION_TEMPLATE
from .actions import _context as bulk_context
from .commands import CommandForm, command_form_class


# --- one command to many devices (the device list's action) ---------------------------------
def mass_command_form_class(type_: str) -> type[CommandForm]:
    """The type chooser and the fields of ``type_``: choosing another type and applying
    shows its fields first (no script)."""
    base = command_form_class(type_)
    attrs: dict[str, Any] = {
        "command_type": forms.ChoiceField(
            label=gettext_lazy("Command"),
            choices=commands.choices(),
            initial=type_,
            help_text=gettext_lazy(
                "Choose another command and press Apply to see its parameters first."
            ),
        ),
        "shown_type": forms.CharField(widget=forms.HiddenInput, initial=type_),
        "field_order": ["command_type"],
    }
    return type(f"MassCommandForm_{type_}", (base,), attrs)


def _mass_input(form: CommandForm) -> Any:
    value = form.input()
    if isinstance(value, dict):
        value.pop("command_type", None)
        value.pop("shown_type", None)
    return value


@admin.action(
    description=gettext_lazy("Send a command to the selected devices"), permissions=["change"]
)
def send_command(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
    """One command to every selected device (or, with "select all", every device the
    list shows: filter it by group first), as a background job with its progress and a
    result per device. Devices without an enabled connection are listed as skipped."""
    chosen = request.POST.get("command_type") or "custom"
    if chosen not in dict(commands.choices()):
        chosen = "custom"
    form_class = mass_command_form_class(chosen)
    shown = request.POST.get("shown_type")
    if "apply" in request.POST and shown == chosen:
        form = form_class(request.POST)
        if form.is_valid():
            try:
                outcome = bulk.submit(
                    mass.NAME,
                    queryset,
                    {"type": chosen, "input": _mass_input(form)},
                    user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                modeladmin.message_user(request, outcome.message, messages.INFO)
                return redirect(modeladmin.bulk_job_url(outcome.job))
    else:
        form = form_class(initial={"command_type": chosen, "shown_type": chosen})
    context = bulk_context(modeladmin, request, queryset, form, _("Send a command"), "")  # type: ignore[arg-type]
    context["background"] = True
    return TemplateResponse(request, ACTION_TEMPLATE, context)
