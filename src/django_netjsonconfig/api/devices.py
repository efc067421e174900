"""Devices: ``controller/device/``, its detail and ``configuration/`` download; bulk
changes of many devices (``controller/device/bulk/``) and their jobs
(``controller/job/{id}/``)."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from ..apps import get_model
from ..devices import configs, relations
from ..devices.devices import get_config
from ..fleet import bulk
from . import writes
from .filters import DeviceFilter
from .generics import APIMixin, ModelViewSet, documented, download, ordered
from .permissions import ChangePermission, ModelPermissions
from .serializers import DeviceSerializer, writable_fields

ARCHIVE = OpenApiResponse(OpenApiTypes.BINARY, description="the configuration, tar.gz")


class DeviceViewSet(ModelViewSet):
    """Devices with their configuration (``config``: backend, templates in order,
    variables, NetJSON; status and error read-only)."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter

    def get_queryset(self) -> QuerySet[Any]:
        return ordered(get_model("device").objects.select_related("config"))

    def write(self, instance: Model | None, serializer: Any) -> Any:
        fields = writable_fields(serializer, exclude=("config",))
        data = {k: v for k, v in serializer.validated_data.items() if k in fields}
        config_data = serializer.validated_data.get("config")
        return writes.save_device(self.request, instance, fields, data, config_data)

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["templates_of"] = getattr(self, "_templates_of", None)
        return context

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        devices = list(page if page is not None else queryset)
        config_ids = [c.pk for c in map(get_config, devices) if c is not None]
        # the templates of the whole page in two queries, whatever its size
        self._templates_of = relations.ordered_templates_of(config_ids)
        data = self.get_serializer(devices, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @documented(
        responses={
            (200, "application/gzip"): ARCHIVE,
            404: OpenApiResponse(description="no such device, or it has no configuration"),
            409: OpenApiResponse(description="the configuration cannot be rendered"),
        }
    )
    @action(detail=True, permission_classes=[ChangePermission], filter_backends=[])
    def configuration(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The device's configuration as it downloads it (its private keys included:
        the change permission is needed)."""
        device = self.get_object()
        config = get_config(device)
        if config is None:
            raise Http404("This device has no configuration.")
        return download(device.name, configs.render(config).archive)


# --- bulk changes ---------------------------------------------------------------------------
class BulkSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["add_templates", "remove_templates", "change_group"])
    devices = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=100_000)
    templates = serializers.ListField(
        child=serializers.UUIDField(), required=False, max_length=1000
    )
    group = serializers.UUIDField(required=False, allow_null=True)


class JobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    action = serializers.CharField()
    status = serializers.CharField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    message = serializers.CharField()
    result = serializers.JSONField()
    created = serializers.DateTimeField()
    finished = serializers.DateTimeField(allow_null=True)

    def get_url(self, job: Any) -> str:
        return reverse(
            "netjsonconfig_api:job-detail", args=[job.pk], request=self.context.get("request")
        )


class BulkResultSerializer(serializers.Serializer):
    action = serializers.CharField()
    total = serializers.IntegerField()
    result = serializers.JSONField()
    message = serializers.CharField()
    job = JobSerializer(allow_null=True)


class DeviceBulkViewSet(APIMixin, viewsets.GenericViewSet):
    """Add or remove templates, or change the group, of many devices at once, through
    the admin's bulk actions: over ``NETJSONCONFIG_BULK_SYNC_LIMIT`` devices it is a
    background job (202, with the job's URL to poll)."""

    permission_classes = [ChangePermission]
    serializer_class = BulkSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Any]:
        return get_model("device").objects.all()

    @documented(
        request=BulkSerializer, responses={200: BulkResultSerializer, 202: BulkResultSerializer}
    )
    def create(self, request: Request) -> Response:
        form = BulkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        wanted = list(dict.fromkeys(data["devices"]))
        devices = self.get_queryset().filter(pk__in=wanted)
        found = {pk for pk in devices.values_list("pk", flat=True)}
        missing = [str(pk) for pk in wanted if pk not in found]
        if missing:
            raise ValidationError({"devices": [f"no such devices: {', '.join(missing[:20])}"]})
        params: dict[str, Any] = {}
        if data["action"] == "change_group":
            if "group" not in data:
                raise ValidationError({"group": ["This field is required."]})
            params["group"] = str(data["group"]) if data["group"] else None
        else:
            params["templates"] = [str(pk) for pk in data.get("templates") or ()]
        try:
            outcome = bulk.submit(data["action"], devices, params, user=request.user)
        except DjangoValidationError as exc:
            raise ValidationError({"non_field_errors": exc.messages}) from None
        context = self.get_serializer_context()
        job = JobSerializer(outcome.job, context=context).data if outcome.job else None
        counts = dict(outcome.job.result or {}) if outcome.job else outcome.counts
        body = {
            "action": outcome.action,
            "total": outcome.total,
            "result": counts,
            "message": outcome.message,
            "job": job,
        }
        background = outcome.job is not None and outcome.job.status not in ("done", "failed")
        return Response(body, status=status.HTTP_202_ACCEPTED if background else 200)


class JobViewSet(APIMixin, viewsets.GenericViewSet):
    """A bulk job: its status and progress (``done`` of ``total``)."""

    permission_classes = [ModelPermissions]
    serializer_class = JobSerializer
    lookup_value_regex = "[0-9a-fA-F-]{1,64}"

    def get_queryset(self) -> QuerySet[Any]:
        # who may see the devices may see the jobs over them (the admin's rule)
        model = bulk.job_model()
        if model is None:
            raise Http404
        return model.objects.all()

    def get_permissions(self) -> list[Any]:
        return [JobPermission()]

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


class JobPermission(ModelPermissions):
    """The device model's view (or change) permission, as the admin's job pages."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user: Any = request.user
        if not (user and user.is_authenticated):
            return False
        opts = get_model("device")._meta
        return bool(
            user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
            or user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
        )
