"""The controller views' shared plumbing: models, parameters, device ids.

Every view is configured with ``model = Device`` (or ``Config``); see
``controller.generics`` for the views an extending app subclasses.
"""

import hmac
import re
import uuid
from typing import Any
from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import router
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.views import View

from ..apps import get_model
from ..devices import devices
from ..settings import app_settings
from ..workflow import sending
from .responses import ControllerResponse, Refused, internal_error

#: the forms of a device id the protocol accepts: 32 hex digits, or the dashed form
#: (``uuid.UUID`` also takes braces, ``urn:uuid:``, dashes anywhere and other digits)
UUID_FORMS = re.compile(
    r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def parse_uuid(value: object) -> uuid.UUID:
    if type(value) is uuid.UUID:  # the URL's converter made it already
        return value
    if type(value) is str and UUID_FORMS.fullmatch(value):
        return uuid.UUID(value)
    raise Refused("error: invalid device id", 404)


def hex_id_bytes(value: object) -> bytes | None:
    """The 16 bytes of a device id written as 32 hex digits (as the agent sends it);
    None for any other form (the full path parses those)."""
    if type(value) is str and len(value) == 32:
        try:
            raw = bytes.fromhex(value)
        except ValueError:
            return None
        if len(raw) == 16:  # no spaces (which fromhex skips)
            return raw
    return None


def _clean(params: dict[str, str]) -> dict[str, str]:
    for name, value in params.items():
        if "\x00" in value:
            raise Refused(f'error: parameter "{name}" contains a NUL character', 400)
    return params


class ControllerView(View):
    """Shared plumbing: model resolution, parameters, error answers."""

    model: type[Model] | None = None
    #: the signal a poll endpoint sends (``checksum_requested``, ...)
    signal: Any = None
    http_method_names = ["get", "post"]

    # --- models -----------------------------------------------------------------------
    @property
    def device_model(self) -> Any:
        return self._models()[0]

    @property
    def config_model(self) -> Any:
        return self._models()[1]

    def _models(self) -> tuple[Any, Any]:
        """(device model, config model), resolved once per view class and ``model``."""
        cache: dict[Any, tuple[Any, Any]] | None = type(self).__dict__.get("_resolved_models")
        if cache is None:
            cache = {}
            type(self)._resolved_models = cache  # type: ignore[attr-defined]
        found = cache.get(self.model)
        if found is None:
            model: Any = self.model or get_model("device")
            if _is_config_model(model):
                model = model._meta.get_field("device").related_model
            found = cache[self.model] = (model, model._meta.get_field("config").related_model)
        return found

    # --- request plumbing -------------------------------------------------------------------
    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)
        view.csrf_exempt = True  # type: ignore[attr-defined]  # devices post without a CSRF token
        return view

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        # View.setup, without looking for a ``head`` method where HEAD is not served
        if "head" in self.http_method_names and hasattr(self, "get") and not hasattr(self, "head"):
            self.head = self.get
        self.request = request
        self.args = args
        self.kwargs = kwargs

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        method = (request.method or "").lower()
        handler = getattr(self, method, None) if method in self.http_method_names else None
        if handler is None:
            return self.http_method_not_allowed(request, *args, **kwargs)
        try:
            return handler(request, *args, **kwargs)
        except Refused as refused:
            return refused.response
        except Exception:  # free in the try of the common case (no exception: no cost)
            return internal_error(request)

    def http_method_not_allowed(
        self, request: HttpRequest, *args: Any, **kwargs: Any
    ) -> HttpResponse:
        allowed = [m.upper() for m in self.http_method_names if hasattr(self, m)]
        response = ControllerResponse(f"error: method {request.method} not allowed", status=405)
        response["Allow"] = ", ".join(allowed)
        return response

    def params(self, request: HttpRequest) -> dict[str, str]:
        """GET query or the url-encoded POST body, decoded strictly as UTF-8."""
        if request.method == "GET":
            # parsed straight from the query string: a poll needs no QueryDict
            query = request.META.get("QUERY_STRING", "")
            if "%" not in query and "+" not in query and "\x00" not in query:
                # nothing escaped (a poll: key=<hex>): what parse_qsl would give
                params = {}
                for part in query.split("&"):
                    if part:
                        name, _, value = part.partition("=")
                        params[name] = value
                return params
            try:
                pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
            except (UnicodeDecodeError, ValueError):
                raise Refused("error: query string is not valid UTF-8", 400) from None
            return _clean(dict(pairs))
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise Refused("error: invalid Content-Length", 400) from None
        if length > app_settings.MAX_DEVICE_REQUEST_SIZE:
            raise Refused("error: request body too large", 413)
        try:
            body = request.body
            if len(body) > app_settings.MAX_DEVICE_REQUEST_SIZE:
                raise Refused("error: request body too large", 413)
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith("multipart/"):
                return _clean(request.POST.dict())
        except RequestDataTooBig:  # over DATA_UPLOAD_MAX_MEMORY_SIZE, when it is lower
            raise Refused("error: request body too large", 413) from None
        except (MultiPartParserError, SuspiciousOperation, UnicodeError, ValueError):
            # a broken multipart body, too many fields (DATA_UPLOAD_MAX_NUMBER_FIELDS), ...
            raise Refused("error: malformed request body", 400) from None
        except UnreadablePostError:  # the client went away while sending it
            raise Refused("error: request body could not be read", 400) from None
        try:
            text = body.decode("utf-8")
            pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise Refused("error: request body is not valid UTF-8", 400) from None
        return _clean(dict(pairs))

    @staticmethod
    def require(params: dict[str, str], *names: str) -> None:
        for name in names:
            if not (params.get(name) or "").strip():
                raise Refused(f'error: missing required parameter "{name}"', 400)

    def get_device(self, pk: object, params: dict[str, str]) -> Any:
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

    def get_config(self, device: Any) -> Any:
        config = devices.get_config(device)
        if config is None:
            raise Refused("error: device has no configuration", 404)
        return config

    @staticmethod
    def management_ip(params: dict[str, str]) -> str | None:
        value = (params.get("management_ip") or "").strip()
        if not value:
            return None
        try:
            return devices.management_address(value)
        except ValueError:
            raise Refused("error: invalid management_ip", 400) from None

    @staticmethod
    def remote_addr(request: HttpRequest) -> str | None:
        return devices.peer_address(request.META.get("REMOTE_ADDR"))

    # the public signals go out after commit (workflow.sending); overridable per view
    send_on_commit = staticmethod(sending.send_on_commit)


def instance_from_values(model: type[Model], values: dict[str, Any]) -> Model:
    """An instance of ``model`` as read from the database with only the fields of
    ``values`` (``{attname: value}``; the others load on access).

    ``Model.from_db`` assigns a partial list of values to the model's concrete fields
    *in the model's order*, whatever order the names are given in: the values are
    put in that order here (an extending app's model may order its fields otherwise).
    """
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    if len(names) != len(values):
        unknown = sorted(set(values) - set(names))
        raise ValueError(f"{model.__name__} has no concrete fields {unknown}")
    return model.from_db(router.db_for_read(model), names, [values[name] for name in names])


def _is_config_model(model: type[Model]) -> bool:
    return any(f.name == "device" and f.one_to_one for f in model._meta.get_fields())
