"""Automatic registration with the shared secret."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from ..devices import registration
from ..settings import app_settings
from .base import ControllerView
from .responses import ControllerResponse, Refused


class BaseRegisterView(ControllerView):
    """POST: automatic registration with the shared secret."""

    def new_device_fields(self, params: dict[str, str]) -> dict[str, Any]:
        """Extra field values for a device created by registration (an extender's hook,
        e.g. ``{"organization": ...}``)."""
        return {}

    def post(self, request: HttpRequest) -> HttpResponse:
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
