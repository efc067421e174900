"""Commands from the device page: the "send a command" form, a device's command history,
a command's page with its output as it arrives (``js/command-output.js`` polls a JSON
view), and the list's action that sends one command to many devices.

The form's fields are generated on the server from the command type's JSON schema (no
script builds them). Only users who may change the device send commands; users who
may view it see its history and the outputs. A secret input (a new password) is never
shown: it is stored encrypted until the command runs, masked afterwards, and the form's
password fields never send a value back to the browser.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from ...base.connection import COMMAND_STATUSES, MASK
from ...connection import commands, mass

HISTORY_TEMPLATE = "admin/django_netjsonconfig/device/commands.html"
COMMAND_TEMPLATE = "admin/django_netjsonconfig/device/command.html"
PAGE_SIZE = 25


# --- a form from a command type's schema ------------------------------------------------------
def _field(name: str, schema: dict[str, Any], required: bool) -> forms.Field:
    label = str(schema.get("title") or name.replace("_", " "))
    help_text = str(schema.get("description") or "")
    kind = schema.get("type")
    common: dict[str, Any] = {"label": label, "required": required, "help_text": help_text}
    if "enum" in schema:
        choices = [(str(v), str(v)) for v in schema["enum"]]
        return forms.TypedChoiceField(
            choices=([("", "---------")] if not required else []) + choices, **common
        )
    if kind == "boolean":
        return forms.BooleanField(**dict(common, required=False))
    if kind == "integer":
        return forms.IntegerField(
            min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common
        )
    if kind == "number":
        return forms.FloatField(
            min_value=schema.get("minimum"), max_value=schema.get("maximum"), **common
        )
    widget: forms.Widget | None = None
    if name in commands.SECRET_INPUT:
        widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"})
    elif name == "command":
        widget = forms.Textarea(attrs={"rows": 3, "cols": 80, "spellcheck": "false"})
    # the schema's own length and pattern rules are applied by launch(): one message
    return forms.CharField(strip=False, widget=widget, **common)


class CommandForm(forms.Form):
    """The input of one command type, as fields; ``input()`` is the JSON it makes."""

    type_name = ""
    object_input = False

    def input(self) -> Any:
        if not self.object_input:
            return None
        value: dict[str, Any] = {}
        for name, field in self.fields.items():
            item = self.cleaned_data.get(name)
            if item in (None, "") and not field.required:
                continue
            value[name] = item
        return value


def command_form_class(type_: str) -> type[CommandForm]:
    """A form of the input of the command type ``type_`` (KeyError when unknown)."""
    schema = commands.get_command(type_)["schema"]
    attrs: dict[str, Any] = {"type_name": type_}
    if isinstance(schema, dict) and schema.get("type") == "object":
        attrs["object_input"] = True
        required = set(schema.get("required") or ())
        for name, member in (schema.get("properties") or {}).items():
            attrs[name] = _field(name, member if isinstance(member, dict) else {}, name in required)
    return type(f"CommandForm_{type_}", (CommandForm,), attrs)


def add_launch_errors(form: forms.Form, exc: ValidationError) -> None:
    """The errors of ``launch`` (about the input, the type, the device) on the form."""
    errors = getattr(exc, "error_dict", None)
    if not errors:
        form.add_error(None, exc.messages)
        return
    for items in errors.values():
        for error in items:
            form.add_error(None, " ".join(ValidationError(error).messages))


def command_json(command: Any) -> dict[str, Any]:
    """What the status view answers about a command (its output as plain text)."""
    return {
        "id": str(command.pk),
        "type": command.type,
        "status": command.status,
        "status_display": command.get_status_display(),
        "exit_code": command.exit_code,
        "output": command.output,
        "finished": command.status != "in-progress",
    }


def shown_input(command: Any) -> str:
    """The input as shown: a secret member is always masked."""
    value = commands.masked_input(command.input)
    if isinstance(value, dict):
        value = {k: (MASK if k in commands.SECRET_INPUT else v) for k, v in value.items()}
    return "" if value is None else json.dumps(value, ensure_ascii=False)


# --- the views of the device admin ----------------------------------------------------------
class CommandAdminMixin:
    """Added to the device admin when the app has the command model: the device's
    command history with the "send a command" form, and each command's page."""

    admin_site: Any
    model: Any
    opts: Any

    def _cmd_url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def _cmd_reverse(self, view: str, *args: Any) -> str:
        return reverse(f"{self.admin_site.name}:{self._cmd_url_name(view)}", args=args)

    def command_model(self) -> Any:
        try:
            return self.model._meta.get_field("commands").related_model
        except Exception:  # noqa: BLE001 - FieldDoesNotExist: no command model
            return None

    def get_urls(self) -> list[URLPattern]:
        urls: list[URLPattern] = super().get_urls()  # type: ignore[misc]
        if self.command_model() is None:
            return urls
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/commands/",
                wrap(self.commands_view),
                name=self._cmd_url_name("commands"),
            ),
            path(
                "<path:object_id>/commands/<uuid:command_id>/",
                wrap(self.command_view),
                name=self._cmd_url_name("command"),
            ),
            path(
                "<path:object_id>/commands/<uuid:command_id>/status/",
                wrap(self.command_status_view),
                name=self._cmd_url_name("command_status"),
            ),
        ] + urls

    def _device(self, request: HttpRequest, object_id: str) -> Any:
        device = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if device is None:
            raise Http404(_("There is no such device."))
        if not self.has_view_or_change_permission(request, device):  # type: ignore[attr-defined]
            raise PermissionDenied
        return device

    def may_send_commands(self, request: HttpRequest, device: Any) -> bool:
        """Who may send a command: those who may change the device."""
        return bool(self.has_change_permission(request, device))  # type: ignore[attr-defined]

    def _command(self, request: HttpRequest, object_id: str, command_id: Any) -> tuple[Any, Any]:
        device = self._device(request, object_id)
        command = self.command_model().objects.filter(pk=command_id, device=device).first()
        if command is None:
            raise Http404(_("There is no such command."))
        return device, command

    def _base_context(self, request: HttpRequest, device: Any, title: str) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.opts,
            "original": device,
            "device": device,
            "device_url": self._cmd_reverse("change", device.pk),
            "commands_url": self._cmd_reverse("commands", device.pk),
        }

    def commands_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        device = self._device(request, object_id)
        may_send = self.may_send_commands(request, device)
        has_connection = device.connections.filter(enabled=True).exists()
        if request.method == "POST" and not may_send:
            raise PermissionDenied
        chosen = request.POST.get("type") or request.GET.get("type") or "custom"
        if chosen not in dict(commands.choices()):
            if request.method == "POST":
                return HttpResponse(
                    _("Unknown command type."), status=400, content_type="text/plain"
                )
            chosen = ""
        form: CommandForm | None = None
        if request.method == "POST":
            form = command_form_class(chosen)(request.POST)
            if form.is_valid():
                try:
                    command = commands.launch(device, chosen, form.input(), user=request.user)
                except ValidationError as exc:
                    add_launch_errors(form, exc)
                else:
                    self.message_user(  # type: ignore[attr-defined]
                        request,
                        _("The command was sent: its output appears below as it arrives."),
                        messages.SUCCESS,
                    )
                    return redirect(self._cmd_reverse("command", device.pk, command.pk))
        elif may_send and chosen:
            form = command_form_class(chosen)()
        history = self.command_model().objects.filter(device=device).select_related("created_by")
        status = request.GET.get("status", "")
        if status in dict(COMMAND_STATUSES):
            history = history.filter(status=status)
        kind = request.GET.get("kind", "")
        if kind:
            history = history.filter(type=kind)
        page = Paginator(history.order_by("-created"), PAGE_SIZE).get_page(request.GET.get("p"))
        context = {
            **self._base_context(request, device, _("Commands of %(device)s") % {"device": device}),
            "may_send": may_send,
            "has_connection": has_connection,
            "chosen": chosen,
            "chosen_label": dict(commands.choices()).get(chosen, ""),
            "form": form,
            "page": page,
            "rows": [
                (c, self._cmd_reverse("command", device.pk, c.pk), shown_input(c))
                for c in page.object_list
            ],
            "statuses": COMMAND_STATUSES,
            "kinds": commands.choices(),
            "status_filter": status,
            "kind_filter": kind,
        }
        return TemplateResponse(request, HISTORY_TEMPLATE, context)

    def command_view(self, request: HttpRequest, object_id: str, command_id: Any) -> HttpResponse:
        device, command = self._command(request, object_id, command_id)
        context = {
            **self._base_context(
                request,
                device,
                _("%(command)s on %(device)s")
                % {"command": command.get_type_display(), "device": device},
            ),
            "command": command,
            "input": shown_input(command),
            "status_url": self._cmd_reverse("command_status", device.pk, command.pk),
        }
        return TemplateResponse(request, COMMAND_TEMPLATE, context)

    def command_status_view(
        self, request: HttpRequest, object_id: str, command_id: Any
    ) -> JsonResponse:
        _device, command = self._command(request, object_id, command_id)
        return JsonResponse(command_json(command))

    def job_results(self, job: Any) -> list[dict[str, Any]] | None:
        """The per-device results shown on the page of a "send a command" job."""
        if job.action != mass.NAME or self.command_model() is None:
            return None
        return command_results(self, job)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk and not add and self.command_model() is not None:
            context["netjsonconfig_commands_url"] = self._cmd_reverse("commands", obj.pk)
            if self.has_change_permission(request, obj):  # type: ignore[attr-defined]
                context["netjsonconfig_adopt_url"] = self._cmd_reverse("adopt", obj.pk)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add, change, form_url, obj
        )


def command_results(modeladmin: Any, job: Any) -> list[dict[str, Any]]:
    """The rows of a command job's page: device, status, exit code, its command's page.
    A device without a command is skipped once its batch is done, waiting before."""
    rows = []
    for index, row in enumerate(mass.results(job)):
        command, device = row["command"], row["device"]
        if command is not None:
            code, label = command.status, command.get_status_display()
        elif index < job.done or job.status == "done":
            code, label = "skipped", _("skipped: no enabled connection")
        else:
            code, label = "waiting", _("waiting")
        rows.append(
            {
                "device": device.name if device is not None else row["device_id"],
                "device_url": modeladmin._cmd_reverse("change", device.pk) if device else "",
                "status": label,
                "status_code": code,
                "exit_code": command.exit_code if command is not None else None,
                "url": (
                    modeladmin._cmd_reverse("command", device.pk, command.pk)
                    if command is not None and device is not None
                    else ""
                ),
            }
        )
    return rows
