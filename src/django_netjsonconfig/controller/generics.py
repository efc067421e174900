"""Generic device-facing views, configured with ``model = Device`` (or ``Config``).

Every answer is plain text and carries ``X-Openwisp-Controller: true``, errors
included: the agent checks that header to know it talks to a controller.
"""

import hmac
import ipaddress
import uuid
from functools import partial
from urllib.parse import parse_qsl

from django.db import transaction
from django.http import HttpResponse
from django.views import View

from .. import signals
from ..apps import get_model
from ..services import configs, devices, registration
from ..services.rendering import RenderError
from ..settings import app_settings

REPORTABLE_STATUSES = {"applied": "applied", "error": "error", "modified": "modified"}
LEGACY_STATUSES = {"running": "applied"}


class ControllerResponse(HttpResponse):
    def __init__(self, content=b"", *args, **kwargs):
        kwargs.setdefault("content_type", "text/plain")
        super().__init__(content, *args, **kwargs)
        self["X-Openwisp-Controller"] = "true"


class Refused(Exception):
    """Ends a request with an error answer."""

    def __init__(self, message, status):
        super().__init__(message)
        self.response = ControllerResponse(message, status=status)


def parse_uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Refused("error: invalid device id", 404) from None


def _clean(params):
    for name, value in params.items():
        if "\x00" in value:
            raise Refused(f'error: parameter "{name}" contains a NUL character', 400)
    return params


class ControllerView(View):
    """Shared plumbing: model resolution, parameters, error answers."""

    model = None
    http_method_names = ["get", "post"]

    # --- models -----------------------------------------------------------------------
    @property
    def device_model(self):
        model = self.model or get_model("device")
        if _is_config_model(model):
            return model._meta.get_field("device").related_model
        return model

    @property
    def config_model(self):
        return self.device_model._meta.get_field("config").related_model

    # --- request plumbing -------------------------------------------------------------------
    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        view.csrf_exempt = True  # devices post without a CSRF token
        return view

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names or not hasattr(
            self, request.method.lower()
        ):
            return self.http_method_not_allowed(request, *args, **kwargs)
        try:
            return super().dispatch(request, *args, **kwargs)
        except Refused as refused:
            return refused.response

    def http_method_not_allowed(self, request, *args, **kwargs):
        allowed = [m.upper() for m in self.http_method_names if hasattr(self, m)]
        response = ControllerResponse(f"error: method {request.method} not allowed", status=405)
        response["Allow"] = ", ".join(allowed)
        return response

    def params(self, request):
        """GET query or the url-encoded POST body, decoded strictly as UTF-8."""
        if request.method == "GET":
            return _clean(request.GET.dict())
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refused("error: invalid Content-Length", 400) from None
        if length > app_settings.MAX_DEVICE_REQUEST_SIZE:
            raise Refused("error: request body too large", 413)
        body = request.body
        if len(body) > app_settings.MAX_DEVICE_REQUEST_SIZE:
            raise Refused("error: request body too large", 413)
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/"):
            return _clean(request.POST.dict())
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise Refused("error: request body is not valid UTF-8", 400) from None
        return _clean(dict(pairs))

    @staticmethod
    def require(params, *names):
        for name in names:
            if not (params.get(name) or "").strip():
                raise Refused(f'error: missing required parameter "{name}"', 400)

    def get_device(self, pk, params):
        """The device ``pk`` authenticated by its ``key``, with its config."""
        self.require(params, "key")
        device_id = parse_uuid(pk)
        device = (
            self.device_model.objects.select_related("config", "group").filter(pk=device_id).first()
        )
        if device is None:
            raise Refused("error: device not found", 404)
        if not hmac.compare_digest(str(device.key).encode(), params["key"].encode()):
            raise Refused("error: wrong key", 403)
        return device

    def get_config(self, device):
        config = devices.get_config(device)
        if config is None:
            raise Refused("error: device has no configuration", 404)
        return config

    @staticmethod
    def management_ip(params):
        value = (params.get("management_ip") or "").strip()
        if not value:
            return None
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise Refused("error: invalid management_ip", 400) from None

    @staticmethod
    def remote_addr(request):
        return request.META.get("REMOTE_ADDR") or None

    @staticmethod
    def send_on_commit(signal, sender, **kwargs):
        transaction.on_commit(partial(signal.send, sender=sender, **kwargs))


def _is_config_model(model):
    return any(f.name == "device" and f.one_to_one for f in model._meta.get_fields())


class BaseChecksumView(ControllerView):
    """GET: the MD5 of the device's configuration archive."""

    def get(self, request, pk):
        params = self.params(request)
        device = self.get_device(pk, params)
        config = self.get_config(device)
        devices.update_addresses(
            device, self.remote_addr(request), self.management_ip(params), cleanup=True
        )
        checksum = config.checksum_db
        if checksum is None:
            configs.refresh(config)
            checksum = config.checksum_db
        if checksum is None:
            raise Refused("error: configuration cannot be rendered", 503)
        self.send_on_commit(
            signals.checksum_requested, type(device), instance=device, request=request
        )
        return ControllerResponse(checksum)


class BaseDownloadConfigView(ControllerView):
    """GET: the configuration archive (tar.gz)."""

    def get(self, request, pk):
        params = self.params(request)
        device = self.get_device(pk, params)
        config = self.get_config(device)
        devices.update_addresses(
            device, self.remote_addr(request), self.management_ip(params), cleanup=False
        )
        try:
            rendered = configs.render(config, device=device)
        except RenderError:
            configs.refresh(config)
            raise Refused("error: configuration cannot be rendered", 503) from None
        if rendered.checksum != config.checksum_db:
            # what changed (e.g. global variables) was not recorded yet: record it now,
            # so the next checksum poll agrees with this archive
            configs.refresh(config)
        self.send_on_commit(
            signals.config_download_requested, type(device), instance=device, request=request
        )
        response = ControllerResponse(rendered.archive, content_type="application/octet-stream")
        response["Content-Disposition"] = f"attachment; filename={device.name}.tar.gz"
        return response


class BaseReportStatusView(ControllerView):
    """POST: the device reports whether it applied its configuration."""

    def post(self, request, pk):
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

    def post(self, request, pk):
        params = self.params(request)
        device = self.get_device(pk, params)
        changed = []
        for field in registration.UPDATABLE_FIELDS:
            value = (params.get(field) or "").strip()
            if value and getattr(device, field) != value:
                setattr(device, field, value)
                changed.append(field)
        if changed:
            from django.core.exceptions import ValidationError

            try:
                device.full_clean(exclude=["key", "name", "mac_address"], validate_unique=False)
            except ValidationError as error:
                raise Refused(f"error: {registration._messages(error)}", 400) from None
            type(device).objects.filter(pk=device.pk).update(
                **{field: getattr(device, field) for field in changed}
            )
        return ControllerResponse("update-info: success")


class BaseRegisterView(ControllerView):
    """POST: automatic registration with the shared secret."""

    def new_device_fields(self, params):
        """Extra field values for a device created by registration (an extender's hook,
        e.g. ``{"organization": ...}``)."""
        return {}

    def post(self, request):
        if not app_settings.REGISTRATION_ENABLED:
            raise Refused("error: registration disabled", 403)
        params = self.params(request)
        self.require(params, "secret", "name", "mac_address", "backend")
        try:
            registration.check_secret(params["secret"])
            result = registration.register(
                params,
                self.remote_addr(request),
                device_model=self.device_model,
                new_device_fields=self.new_device_fields(params),
            )
        except registration.RegistrationError as error:
            raise Refused(error.message, error.status) from None
        device = result.device
        body = (
            "registration-result: success\n"
            f"uuid: {device.pk.hex}\n"
            f"key: {device.key}\n"
            f"hostname: {device.name}\n"
            f"is-new: {int(result.is_new)}\n"
        )
        return ControllerResponse(body, status=201)
