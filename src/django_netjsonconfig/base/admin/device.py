"""Admin of devices and their configurations."""

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ...devices import configs
from ...devices.devices import get_config
from ...rendering import context as context_service
from ...rendering.render import RenderError
from ...settings import app_settings
from ...validators import normalize_mac
from ...vpn import clients as vpnclients
from ...workflow import unit
from .adopt import AdoptAdminMixin
from .commands import CommandAdminMixin
from .connection import DeviceConnectionInline, accept_host_keys, connection_inline
from .fleet import ConfigStatusListFilter, FleetAdminMixin
from .forms import AbstractConfigForm, BaseForm, inherited_field_names
from .mass_commands import send_command
from .mixins import (
    PreviewDownloadMixin,
    SecretFieldsMixin,
    SortedTemplatesMixin,
    ordered_fields,
)

CONFIG_FIELDS = ("device", "backend", "templates", "config", "context")
CONFIG_READONLY = ("status", "error_reason", "checksum")


class AdminMedia:
    css = {"all": ("django_netjsonconfig/css/admin.css",)}


def describe_source(source: Any) -> str:
    """``"group:lan"`` -> ``'group "lan"'``, ``"global"`` -> a readable label."""
    kind, _sep, name = source.partition(":")
    if kind == "template":
        return gettext('template "%(name)s"') % {"name": name}
    if kind == "group":
        return gettext('group "%(name)s"') % {"name": name}
    if kind == "vpn":
        return gettext('VPN server "%(name)s"') % {"name": name}
    labels = {
        "global": gettext("global variables (NETJSONCONFIG_CONTEXT)"),
        "predefined": gettext("predefined"),
        "device": gettext("device variables"),
    }
    return labels.get(kind, source)


def _hidden_value(variable: Any) -> Any:
    """What the variables table shows instead of a secret value, None if not secret:
    the private keys of VPN clients and the device's key (whoever looks: the key has its
    own field, for those who may change the device)."""
    if vpnclients.is_secret(variable.name):
        return gettext("(private key, hidden)")
    if variable.name == "key" and variable.source == "predefined":
        return gettext("(device key, hidden)")
    return None


def variables_html(config: Any) -> str:
    """The variables of a saved config, their values and sources; unresolved ones flagged."""
    variables = context_service.explain(configs.variable_layers(config))
    unresolved: tuple[str, ...] = ()
    try:
        configs.preview(config)
    except RenderError as exc:
        unresolved = exc.variables
    rows = [
        {
            "name": v.name,
            "value": _hidden_value(v)
            or (v.value if isinstance(v.value, str) else json.dumps(v.value)),
            "source": describe_source(v.source),
            "overridden": ", ".join(describe_source(s) for s in v.overridden),
        }
        for v in variables
    ]
    return render_to_string(
        "admin/django_netjsonconfig/variables.html", {"rows": rows, "unresolved": unresolved}
    )


class ConfigDisplayMixin(SortedTemplatesMixin):
    def get_exclude(self, request: HttpRequest, obj: Any = None) -> Any:
        # the fields a config takes from its device are not shown (AbstractConfigForm)
        exclude = list(super().get_exclude(request, obj) or self.form._meta.exclude or [])
        return exclude + [f for f in inherited_field_names(self.model) if f not in exclude]

    @admin.display(description=_("variables in effect"))
    def variables(self, obj: Any) -> str:
        if obj is None or obj.pk is None or obj._state.adding:
            return gettext("Shown once the configuration is saved.")
        return variables_html(obj)


class AbstractConfigAdmin(
    PreviewDownloadMixin, SecretFieldsMixin, ConfigDisplayMixin, admin.ModelAdmin
):
    """Configs, each of one device; saved through ``devices.configs.save``."""

    form = AbstractConfigForm
    list_display = ("device", "backend", "status", "created")
    list_filter = ("status", "backend")
    list_select_related = ("device",)
    search_fields = (
        "device__name",
        "device__mac_address",
        "device__last_ip",
        "device__management_ip",
    )
    readonly_fields = (*CONFIG_READONLY, "variables")
    Media = AdminMedia

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        return ("device", *fields) if obj is not None else fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ordered_fields(super().get_fields(request, obj), CONFIG_FIELDS)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        form.save_through_services()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # the templates were set by the service; only other relations remain
        form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def get_preview_form(self, request: HttpRequest, obj: Any) -> Any:
        form_class = self.get_form(request, obj, change=obj is not None)
        return form_class(request.POST, request.FILES, instance=obj)

    def get_download(self, request: HttpRequest, obj: Any) -> tuple[str, bytes]:
        return str(obj.device), configs.render(obj).archive


class ConfigInline(ConfigDisplayMixin, admin.StackedInline):
    """The configuration of a device, on the device's page.

    Its ``model`` is found from the device model when left unset.
    """

    model = None  # type: ignore[assignment]  # found from the device model, see below
    form = AbstractConfigForm
    extra = 1
    max_num = 1
    can_delete = False
    readonly_fields = (*CONFIG_READONLY, "variables")
    verbose_name = _("configuration")
    verbose_name_plural = _("configuration")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ordered_fields(super().get_fields(request, obj), CONFIG_FIELDS)


class AbstractDeviceAdmin(
    AdoptAdminMixin,
    CommandAdminMixin,
    FleetAdminMixin,
    PreviewDownloadMixin,
    SecretFieldsMixin,
    admin.ModelAdmin,
):
    """Devices with their configuration inline; saves go through the services
    (the device's save is followed by the receivers, the config by
    ``devices.configs.save``). The list is built for fleets (``FleetAdminMixin``):
    counts by status, bulk actions, import and export. The device's key is shown only
    to users who may change the device, and never on the page of an old version
    (``SecretFieldsMixin``)."""

    form = BaseForm
    inlines = [ConfigInline]
    list_display = (
        "name",
        "mac_address",
        "status",
        "backend",
        "group",
        "model",
        "os",
        "ip",
        "created",
    )
    list_filter = (
        ("config__status", ConfigStatusListFilter),
        "config__backend",
        "group",
        "model",
        "os",
    )
    list_select_related = ("config", "group")
    search_fields = ("name", "mac_address", "last_ip", "management_ip")
    readonly_fields = ("last_ip", "management_ip", "created", "modified")
    device_fields = (
        "name",
        "mac_address",
        "key",
        "hardware_id",
        "group",
        "model",
        "os",
        "system",
        "notes",
    )
    Media = AdminMedia

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # what the device's own save recorded (a rename re-renders its config) is done
        # now, in the request's transaction, as the page shows it next
        unit.settle()

    def __init__(self, model: Any, admin_site: Any) -> None:
        config_model = model._meta.get_field("config").related_model
        # the inlines of this admin's device model (the stubs declare inlines a ClassVar)
        self.inlines = [  # type: ignore[misc]
            inline if inline.model else type(inline.__name__, (inline,), {"model": config_model})
            for inline in self.inlines
        ]
        connections = connection_inline(model)
        if connections is not None and not any(
            issubclass(i, DeviceConnectionInline) for i in self.inlines
        ):
            self.inlines = [*self.inlines, connections]  # type: ignore[misc]
            self.actions = [*self.actions, accept_host_keys]
            if any(f.name == "commands" for f in model._meta.related_objects):
                self.actions = [*self.actions, send_command]
        super().__init__(model, admin_site)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        return ("key", *fields) if obj is not None else fields

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ordered_fields(super().get_fields(request, obj), self.device_fields, obj)

    def get_list_display(self, request: HttpRequest) -> Any:
        fields = list(super().get_list_display(request))
        if not app_settings.BACKEND_DEVICE_LIST and "backend" in fields:
            fields.remove("backend")
        if app_settings.HARDWARE_ID_ENABLED and "hardware_id" not in fields:
            fields.insert(fields.index("name") + 1 if "name" in fields else 0, "hardware_id")
        return fields

    def get_search_fields(self, request: HttpRequest) -> Any:
        fields = tuple(super().get_search_fields(request))
        return (*fields, "hardware_id") if app_settings.HARDWARE_ID_ENABLED else fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """A MAC address in any notation (``aa-bb-cc-dd-ee-ff``, ``aabbccddeeff``) finds
        its device, as stored (``AA:BB:CC:DD:EE:FF``)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            mac = normalize_mac(search_term)
        except ValueError:
            return results, may_have_duplicates
        return results | queryset.filter(mac_address=mac), may_have_duplicates

    @admin.display(description=_("status"), ordering="config__status")
    def status(self, obj: Any) -> Any:
        config = get_config(obj)
        return config.get_status_display() if config else "-"

    @admin.display(description=_("backend"), ordering="config__backend")
    def backend(self, obj: Any) -> Any:
        config = get_config(obj)
        return config.get_backend_display() if config else "-"

    @admin.display(description=_("IP address"))
    def ip(self, obj: Any) -> Any:
        if app_settings.MANAGEMENT_IP_DEVICE_LIST and obj.management_ip:
            return obj.management_ip
        return obj.last_ip

    # --- preview and download ------------------------------------------------------------
    def get_preview_form(self, request: HttpRequest, obj: Any) -> Any:
        """The config form of the posted change form, bound to the device as edited."""
        form = self.get_form(request, obj, change=obj is not None)(
            request.POST, request.FILES, instance=obj
        )
        form.is_valid()  # the config is previewed even if a device field is invalid
        device = form.instance
        config_model = self.model._meta.get_field("config").related_model
        for formset_class, inline in self.get_formsets_with_inlines(request, obj):
            if formset_class.model is not config_model:
                continue
            prefix = formset_class.get_default_prefix()
            formset = formset_class(**self.get_formset_kwargs(request, device, inline, prefix))
            return formset.forms[0] if formset.forms else None
        return None

    def get_download(self, request: HttpRequest, obj: Any) -> tuple[str, bytes]:
        config = get_config(obj)
        if config is None:
            raise Http404(gettext("This device has no configuration."))
        return obj.name, configs.render(config).archive
