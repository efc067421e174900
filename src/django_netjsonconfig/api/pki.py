"""Certificate authorities and certificates: ``controller/ca/`` (``renew/``, ``crl``)
and ``controller/cert/`` (``renew/``, ``revoke/``)."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from ..apps import get_model
from ..pki import authorities
from ..pki import certificates as pki
from . import writes
from .generics import ModelViewSet, documented, ordered
from .permissions import ChangePermission, ModelPermissions
from .serializers import CaSerializer, CertSerializer


class CaViewSet(ModelViewSet):
    """Certificate authorities: generated from their fields or imported (certificate
    and private key); the private key only for users who may change them."""

    serializer_class = CaSerializer
    writer = staticmethod(writes.save_ca)
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[Any]:
        return ordered(get_model("ca").objects.all())

    @documented(request=None, responses={200: CaSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def renew(self, request: Request, pk: str | None = None) -> Response:
        """A new certificate for the CA's key (the certificates it issued stay valid)."""
        ca = self.get_object()
        with writes.revision(request, "Renewed through the REST API."):
            pki.renew_ca(ca)
        return Response(self.get_serializer(self.fresh(ca)).data)

    @documented(responses={(200, "application/x-pem-file"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(detail=True, permission_classes=[ModelPermissions], filter_backends=[])
    def crl(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The CA's certificate revocation list (PEM)."""
        ca = self.get_object()
        response = HttpResponse(authorities.crl(ca), content_type="application/x-pem-file")
        response["Content-Disposition"] = 'attachment; filename="revoked.crl"'
        return response


class CertViewSet(ModelViewSet):
    """Certificates signed by one of the CAs, or imported; renewed or revoked."""

    serializer_class = CertSerializer
    writer = staticmethod(writes.save_cert)
    filterset_fields: list[str] = []

    def get_queryset(self) -> QuerySet[Any]:
        return ordered(get_model("cert").objects.select_related("ca"))

    @documented(request=None, responses={200: CertSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def renew(self, request: Request, pk: str | None = None) -> Response:
        """A new key, serial number and validity (a revoked certificate cannot be)."""
        cert = self.get_object()
        with writes.revision(request, "Renewed through the REST API."):
            pki.renew_cert(cert)
        return Response(self.get_serializer(self.fresh(cert)).data)

    @documented(request=None, responses={200: CertSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Revoked: it appears in its CA's CRL."""
        cert = self.get_object()
        pki.revoke(cert)
        return Response(self.get_serializer(self.fresh(cert)).data)
