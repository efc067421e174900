"""Adopting a device configured by hand, from its page: "Import the running
configuration" reads its UCI configuration over SSH (``connection.adopt``), shows what
its templates already give and proposes the rest as its own configuration. Nothing is
saved before the operator accepts; the save goes through ``devices.configs.save`` (the
admin's config save: re-render, signals, a version in the history, the admin's log).
Only users who may change the device adopt it (the running configuration may hold
secrets, such as Wi-Fi keys)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from ...connection import adopt
from ...devices import configs
from ...history import versions as history

ADOPT_TEMPLATE = "admin/django_netjsonconfig/device/adopt.html"
COMMENT = "Imported the running configuration of the device."


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=4, sort_keys=True, ensure_ascii=False)


class AdoptAdminMixin:
    """Added to the device admin when devices have connections."""

    admin_site: Any
    model: Any
    opts: Any

    def get_urls(self) -> list[URLPattern]:
        urls: list[URLPattern] = super().get_urls()  # type: ignore[misc]
        if not any(f.name == "connections" for f in self.model._meta.related_objects):
            return urls
        name = f"{self.opts.app_label}_{self.opts.model_name}_adopt"
        view = self.admin_site.admin_view(self.adopt_view)
        return [path("<path:object_id>/adopt/", view, name=name), *urls]

    def adopt_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        device = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if device is None:
            raise Http404(_("There is no such device."))
        if not self.has_change_permission(request, device):  # type: ignore[attr-defined]
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "title": _("Import the running configuration of %(device)s") % {"device": device},
            "opts": self.opts,
            "original": device,
            "device": device,
            "device_url": self._cmd_reverse("change", device.pk),  # type: ignore[attr-defined]
            "has_connection": device.connections.filter(enabled=True).exists(),
            "adoptable": adopt.adoptable(device),
            "error": "",
        }
        step = request.POST.get("step") if request.method == "POST" else None
        if step == "fetch":
            try:
                proposal = adopt.fetch(device)
            except adopt.AdoptError as exc:
                context["error"] = str(exc)
            else:
                context.update(
                    covered=_pretty(proposal.covered) if proposal.covered else "",
                    own=_pretty(proposal.own),
                    current=_pretty(device.config.config or {}),
                )
        elif step == "accept":
            answer = self._accept(request, device, context)
            if answer is not None:
                return answer
        elif step is not None:
            return HttpResponse(_("Unknown step."), status=400, content_type="text/plain")
        return TemplateResponse(request, ADOPT_TEMPLATE, context)

    def _accept(
        self, request: HttpRequest, device: Any, context: dict[str, Any]
    ) -> HttpResponse | None:
        text = request.POST.get("own", "")
        context.update(own=text, covered=request.POST.get("covered", ""))
        try:
            own = json.loads(text)
        except ValueError as exc:
            context["error"] = _("The configuration is not valid JSON: %s") % exc
            return None
        if not isinstance(own, dict):
            context["error"] = _("The configuration must be a JSON object.")
            return None
        config = device.config
        config.config = own
        try:
            config.full_clean()
            # the admin's config form's check: it renders with the templates
            configs.validate(config, device=device, group=device.group)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return None
        with transaction.atomic():
            configs.save(config)
            history.snapshot_many([device], _(COMMENT), user=request.user)
            self.log_change(request, device, _(COMMENT))  # type: ignore[attr-defined]
        self.message_user(  # type: ignore[attr-defined]
            request,
            _("The running configuration was imported as the device's own configuration."),
            messages.SUCCESS,
        )
        return redirect(context["device_url"])
