"""The device's reports: the status of its configuration, its os, model and system."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from ..devices import configs, registration
from .base import ControllerView
from .responses import ControllerResponse, Refused

REPORTABLE_STATUSES = {"applied": "applied", "error": "error", "modified": "modified"}
LEGACY_STATUSES = {"running": "applied"}


class BaseReportStatusView(ControllerView):
    """POST: the device reports whether it applied its configuration."""

    def post(self, request: HttpRequest, pk: object) -> HttpResponse:
        params = self.params(request)
        self.require(params, "key", "status")
        device = self.get_device(pk, params)
        config = self.get_config(device)
        status = params["status"].strip()
        status = LEGACY_STATUSES.get(status, status)
        if status not in REPORTABLE_STATUSES:
            raise Refused("error: wrong status", 403)
        reason = params.get("error_reason") or ""
        if status == "error" and not reason.strip():
            reason = "Reason not reported by the device."
        configs.set_status(config, status, reason)
        return ControllerResponse(f"report-result: success\ncurrent-status: {config.status}\n")


class BaseUpdateInfoView(ControllerView):
    """POST: the device updates its os, model and system."""

    def post(self, request: HttpRequest, pk: object) -> HttpResponse:
        params = self.params(request)
        device = self.get_device(pk, params)
        changed = []
        for field in registration.UPDATABLE_FIELDS:
            value = (params.get(field) or "").strip()
            if value and getattr(device, field) != value:
                setattr(device, field, value)
                changed.append(field)
        if changed:
            try:
                device.full_clean(exclude=["key", "name", "mac_address"], validate_unique=False)
            except ValidationError as error:
                raise Refused(f"error: {registration._messages(error)}", 400) from None
            type(device).objects.filter(pk=device.pk).update(
                **{field: getattr(device, field) for field in changed}
            )
        return ControllerResponse("update-info: success")
