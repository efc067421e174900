"""Admin of templates and device groups."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ...devices import templates as templates_service
from ...workflow import unit
from .device import AdminMedia
from .forms import BaseForm
from .mixins import (
    PreviewDownloadMixin,
    SecretFieldsMixin,
    SortedTemplatesMixin,
    ordered_fields,
)

TEMPLATE_FIELDS = (
    "name",
    "type",
    "vpn",
    "auto_cert",
    "backend",
    "default",
    "required",
    "tags",
    "default_values",
    "config",
    "notes",
)


class AbstractTemplateAdmin(PreviewDownloadMixin, SecretFieldsMixin, admin.ModelAdmin):
    """Templates; the form refuses one that cannot render on its own, or, for a
    default or required one, together with the other default templates."""

    form = BaseForm
    list_display = ("name", "backend", "type", "default", "required", "created")
    list_filter = ("backend", "type", "default", "required")
    search_fields = ("name",)
    readonly_fields = ("created", "modified")
    Media = AdminMedia

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ordered_fields(super().get_fields(request, obj), TEMPLATE_FIELDS, obj)

    def get_preview_form(self, request: HttpRequest, obj: Any) -> Any:
        form_class = self.get_form(request, obj, change=obj is not None)
        return form_class(request.POST, request.FILES, instance=obj)

    def get_download(self, request: HttpRequest, obj: Any) -> tuple[str, bytes]:
        return obj.name, templates_service.render(obj).archive


class AbstractDeviceGroupAdmin(SortedTemplatesMixin, SecretFieldsMixin, admin.ModelAdmin):
    """Device groups; a change of their templates reaches the devices through the
    model receivers and the unit of work (``workflow.unit``), as any other write."""

    form = BaseForm
    list_display = ("name", "description", "created")
    search_fields = ("name", "description")
    readonly_fields = ("created", "modified")
    Media = AdminMedia

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        preferred = ("name", "description", "templates", "context", "meta_data")
        return ordered_fields(super().get_fields(request, obj), preferred, obj)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # the templates change through the m2m manager: the receivers bring the
        # devices along and the unit of work sends ``group_templates_changed`` once
        form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        unit.settle()
