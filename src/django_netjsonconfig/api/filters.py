"""The filters of the lists, named as in OpenWISP Controller's API.

A value that is not one (a date that is not a date, an id that is not a UUID) is a 400
that names the filter; a filter nobody declared is ignored, as in any DRF API. No
filter reads a secret field (a filter is an oracle: ``?key__startswith=`` would tell
a key character by character).
"""

from typing import Any

import django_filters
from django.db.models import QuerySet

from ..apps import get_model


class DeviceFilter(django_filters.FilterSet):
    config__status = django_filters.ChoiceFilter(
        field_name="config__status", choices=lambda: status_choices()
    )
    config__backend = django_filters.ChoiceFilter(
        field_name="config__backend", choices=lambda: backend_choices("config")
    )
    config__templates = django_filters.UUIDFilter(field_name="config__templates")
    group = django_filters.UUIDFilter(field_name="group")
    name = django_filters.CharFilter(field_name="name", lookup_expr="icontains", max_length=64)
    mac_address = django_filters.CharFilter(
        field_name="mac_address", lookup_expr="icontains", max_length=64
    )
    created__gte = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="gte")
    created__lt = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="lt")

    class Meta:
        model = get_model("device")
        fields: list[str] = []


class TemplateFilter(django_filters.FilterSet):
    backend = django_filters.ChoiceFilter(choices=lambda: backend_choices("template"))
    type = django_filters.ChoiceFilter(choices=lambda: type_choices())
    default = django_filters.BooleanFilter()
    required = django_filters.BooleanFilter()
    created = django_filters.IsoDateTimeFilter()
    created__gte = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="gte")
    created__lt = django_filters.IsoDateTimeFilter(field_name="created", lookup_expr="lt")

    class Meta:
        model = get_model("template")
        fields: list[str] = []


class VpnFilter(django_filters.FilterSet):
    backend = django_filters.ChoiceFilter(choices=lambda: backend_choices("vpn"))
    subnet = django_filters.CharFilter(max_length=64)

    class Meta:
        model = get_model("vpn")
        fields: list[str] = []


class DeviceGroupFilter(django_filters.FilterSet):
    empty = django_filters.BooleanFilter(method="filter_empty", label="has no devices")

    class Meta:
        model = get_model("devicegroup")
        fields: list[str] = []

    def filter_empty(self, queryset: QuerySet[Any], name: str, value: bool | None) -> Any:
        if value is None:
            return queryset
        devices = get_model("device").objects.filter(group__isnull=False)
        with_devices = devices.values("group_id")
        if value:
            return queryset.exclude(pk__in=with_devices)
        return queryset.filter(pk__in=with_devices)


def _choices(model_name: str, field: str) -> list[tuple[Any, Any]]:
    return list(get_model(model_name)._meta.get_field(field).choices or [])


def status_choices() -> list[tuple[Any, Any]]:
    return _choices("config", "status")


def backend_choices(model_name: str) -> list[tuple[Any, Any]]:
    return _choices(model_name, "backend")


def type_choices() -> list[tuple[Any, Any]]:
    return _choices("template", "type")
