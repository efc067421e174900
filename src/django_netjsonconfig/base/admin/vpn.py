"""Admin of VPN servers, with their clients listed.

The server's key (its agent downloads the configuration with it) is shown only to
users who may change the server, and never on the page of an old version. The
server's preview and download contain its private keys: they need the change
permission (a user who may only view a server gets 403).
"""

import copy
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from ...rendering.render import RenderError
from ...vpn import servers as vpns
from .device import AdminMedia
from .forms import BaseForm
from .mixins import PreviewDownloadMixin, SecretFieldsMixin, ordered_fields

VPN_FIELDS = (
    "name",
    "host",
    "backend",
    "ca",
    "cert",
    "key",
    "subnet",
    "ip_address",
    "public_key",
    "config",
    "division_label",
    "division_master_subnet",
    "division_size",
    "division_number_of_subnets",
    "division_number_of_ips",
    "notes",
    "checksum",
)


class AbstractVpnForm(BaseForm):
    """A VPN server; validated and saved through ``vpn.servers``."""

    class Meta(BaseForm.Meta):
        pass

    def validate_instance(self, instance: Any) -> None:
        vpns.validate(instance)

    def candidate(self) -> Any:
        return copy.copy(self.instance)

    def preview(self) -> str:
        return vpns.preview(self.candidate())

    def preview_archive(self) -> tuple[str, bytes]:
        vpn = self.candidate()
        return vpn.name, vpns.render(vpn, sample=True).archive


class VpnClientInline(admin.TabularInline):
    """The clients of a server (read only: they follow the devices' templates)."""

    model = None  # type: ignore[assignment]  # the server model's through model, set by AbstractVpnAdmin
    fields = ("config", "template", "ip_address", "vni", "cert", "public_key", "created")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name = _("client")
    verbose_name_plural = _("clients")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("config__device", "template", "cert")


class AbstractVpnAdmin(PreviewDownloadMixin, SecretFieldsMixin, admin.ModelAdmin):
    form = AbstractVpnForm
    inlines = [VpnClientInline]
    list_display = ("name", "backend", "host", "subnet", "clients", "created")
    list_filter = ("backend",)
    search_fields = ("name", "host", "subnet")
    readonly_fields = ("public_key", "checksum", "created", "modified")
    Media = AdminMedia

    def __init__(self, model: Any, admin_site: Any) -> None:
        client_model = _client_model(model)
        self.inlines = [  # type: ignore[misc]
            inline if inline.model else type(inline.__name__, (inline,), {"model": client_model})
            for inline in self.inlines
            if client_model is not None or inline.model
        ]
        super().__init__(model, admin_site)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ordered_fields(super().get_fields(request, obj), VPN_FIELDS, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return ["key", *fields] if obj is not None else fields

    @admin.display(description=_("clients"))
    def clients(self, obj: Any) -> int:
        return _client_model(type(obj)).objects.filter(vpn=obj).count()

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        vpns.save(obj)

    def get_preview_form(self, request: HttpRequest, obj: Any) -> Any:
        form_class = self.get_form(request, obj, change=obj is not None)
        return form_class(request.POST, request.FILES, instance=obj)

    def get_download(self, request: HttpRequest, obj: Any) -> tuple[str, bytes]:
        try:
            return obj.name, vpns.render(obj).archive
        except RenderError:
            raise

    def preview_view(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse:
        obj = self._get_or_404(request, object_id) if object_id else None
        if obj is not None and not self.has_change_permission(request, obj):
            raise PermissionDenied  # the server's keys are in it
        response: HttpResponse = super().preview_view(request, object_id)
        return response

    def download_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._get_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        response: HttpResponse = super().download_view(request, object_id)
        return response


def _client_model(vpn_model: Any) -> Any:
    """The through model of ``Config.vpn`` (the VpnClient of the server's app)."""
    for relation in vpn_model._meta.related_objects:
        through = getattr(relation, "through", None)
        if relation.many_to_many and through is not None:
            return through
    return None
