"""The base of the API's views: authentication, permissions, pages, filters, errors.

Everything is set on the views, nothing in the site's ``REST_FRAMEWORK`` setting: a
site that has its own DRF API keeps its defaults, and ours stay ours.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import HttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from rest_framework import status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import exception_handler

from ..base.admin.mixins import archive_response
from ..rendering.render import RenderError
from . import writes
from .auth import BearerAuthentication
from .pagination import Pagination
from .parsers import StrictJSONParser
from .permissions import ModelPermissions
from .schema import documented as documented
from .serializers import writable_fields


def handle_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and: a Django ``ValidationError`` from a service is a 400 with its
    fields; a configuration that cannot be rendered is a 409 with the reason."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    elif isinstance(exc, RenderError):
        return Response(
            {"detail": f"the configuration cannot be rendered: {exc.message}"},
            status=status.HTTP_409_CONFLICT,
        )
    return exception_handler(exc, context)


class APIMixin:
    authentication_classes = [BearerAuthentication, SessionAuthentication]
    permission_classes: list[type] = [ModelPermissions]
    parser_classes = [StrictJSONParser]
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    schema = AutoSchema()

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return handle_exception


class ModelViewSet(APIMixin, viewsets.ModelViewSet):
    """List, create, read, replace, change, delete; writes through ``writer``."""

    pagination_class = Pagination
    filter_backends = [DjangoFilterBackend]
    writer: Callable[..., Any]  # writes.save_*, as a staticmethod
    lookup_value_regex = "[0-9a-fA-F-]{1,64}"

    def get_serializer_context(self) -> dict[str, Any]:
        context: dict[str, Any] = super().get_serializer_context()
        context["in_list"] = self.action == "list"
        return context

    def write(self, instance: Model | None, serializer: BaseSerializer) -> Any:
        fields = writable_fields(serializer)
        data = {k: v for k, v in serializer.validated_data.items() if k in fields}
        return self.writer(self.request, instance, fields, data)

    def fresh(self, obj: Model) -> Model:
        """``obj`` read again, as a list or detail answer reads it."""
        return self.get_queryset().get(pk=obj.pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.write(None, serializer)
        data = self.get_serializer(self.fresh(obj)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        obj = self.write(instance, serializer)
        return Response(self.get_serializer(self.fresh(obj)).data)

    def perform_destroy(self, instance: Model) -> None:
        writes.delete(self.request, instance)


def download(filename: object, archive: bytes) -> HttpResponse:
    """A rendered configuration as the admin's download gives it (tar.gz)."""
    return archive_response(filename, archive)


def ordered(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Newest first, and a stable order for the pages."""
    return queryset.order_by("-created", "-pk")
