"""Templates, device groups and VPN servers: ``controller/template/``,
``controller/group/``, ``controller/vpn/`` (and the ``configuration/`` downloads of
templates and VPN servers)."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse
from rest_framework.decorators import action
from rest_framework.request import Request

from ..apps import get_model
from ..devices import templates as templates_service
from ..vpn import servers as vpns
from . import writes
from .devices import ARCHIVE
from .filters import DeviceGroupFilter, TemplateFilter, VpnFilter
from .generics import ModelViewSet, documented, download, ordered
from .permissions import ChangePermission
from .serializers import DeviceGroupSerializer, TemplateSerializer, VpnSerializer

DOWNLOAD_SCHEMA = documented(
    responses={
        (200, "application/gzip"): ARCHIVE,
        409: OpenApiResponse(description="the configuration cannot be rendered"),
    }
)


class TemplateViewSet(ModelViewSet):
    """Templates: each must render on its own (and, when default or required, with the
    other default templates)."""

    serializer_class = TemplateSerializer
    filterset_class = TemplateFilter
    writer = staticmethod(writes.save_template)

    def get_queryset(self) -> QuerySet[Any]:
        return ordered(get_model("template").objects.select_related("vpn"))

    @DOWNLOAD_SCHEMA
    @action(detail=True, permission_classes=[ChangePermission], filter_backends=[])
    def configuration(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The template rendered alone, tar.gz (the change permission is needed, as in
        the admin)."""
        template = self.get_object()
        return download(template.name, templates_service.render(template).archive)


class DeviceGroupViewSet(ModelViewSet):
    """Device groups; a change of their templates reaches their devices."""

    serializer_class = DeviceGroupSerializer
    filterset_class = DeviceGroupFilter
    writer = staticmethod(writes.save_group)

    def get_queryset(self) -> QuerySet[Any]:
        return ordered(get_model("devicegroup").objects.prefetch_related("templates"))


class VpnViewSet(ModelViewSet):
    """VPN servers; their keys only for users who may change them."""

    serializer_class = VpnSerializer
    filterset_class = VpnFilter
    writer = staticmethod(writes.save_vpn)

    def get_queryset(self) -> QuerySet[Any]:
        return ordered(get_model("vpn").objects.all())

    @DOWNLOAD_SCHEMA
    @action(detail=True, permission_classes=[ChangePermission], filter_backends=[])
    def configuration(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The server's own configuration, tar.gz (its private keys: the change
        permission is needed)."""
        vpn = self.get_object()
        return download(vpn.name, vpns.render(vpn).archive)
