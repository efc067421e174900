from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..settings import app_settings
from .base import BaseConfig

TYPE_CHOICES = (("generic", _("Generic")), ("vpn", _("VPN client")))

#: what a VPN client template asks of the VPN room, filled when the app starts
#: (``django_netjsonconfig.wiring``): the models do not import the services.
#: ``clean_vpn_client(template)`` checks a VPN client template and generates its
#: configuration when empty (``ValidationError``); ``vpn_client_config(vpn, backend,
#: auto_cert)`` is the configuration generated for a server.
clean_vpn_client: list[Callable[["AbstractTemplate"], None]] = []
vpn_client_config: list[Callable[[Any, str, bool], dict[str, Any]]] = []


def default_auto_cert() -> bool:
    return app_settings.DEFAULT_AUTO_CERT


def parse_tags(value: Any) -> list[str]:
    """``"a b,c"`` or ``["a", "b"]`` -> ``["a", "b", "c"]`` (sorted, unique)."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return sorted({str(tag).strip() for tag in value or () if str(tag).strip()})


class AbstractTemplate(BaseConfig):
    """A reusable piece of NetJSON merged into the configs that use it."""

    tracked_fields = (
        "backend",
        "config",
        "default_values",
        "default",
        "required",
        "type",
        "vpn_id",
        "auto_cert",
    )

    name = models.CharField(_("name"), max_length=64, unique=True)
    type = models.CharField(
        _("type"), max_length=16, choices=TYPE_CHOICES, default="generic", db_index=True
    )
    default = models.BooleanField(
        _("enabled by default"),
        default=False,
        db_index=True,
        help_text=_("Added to every new configuration of the same backend."),
    )
    required = models.BooleanField(
        _("required"),
        default=False,
        db_index=True,
        help_text=_("Added to every configuration of the same backend; it cannot be removed."),
    )
    default_values = models.JSONField(
        _("default values"),
        default=dict,
        blank=True,
        help_text=_("Values of the variables this template uses, with the lowest precedence."),
    )
    tags = models.JSONField(
        _("tags"),
        default=list,
        blank=True,
        help_text=_("Devices registering with one of these tags get this template."),
    )
    # named relative to the app that makes the model concrete (see base.vpn)
    vpn = models.ForeignKey(  # type: ignore[misc]
        "Vpn",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("VPN server"),
        help_text=_("The server a VPN client template connects to"),
    )
    auto_cert = models.BooleanField(
        _("automatic provisioning"),
        default=default_auto_cert,
        help_text=_(
            "VPN client templates: each device gets its own certificate (OpenVPN), keys and "
            "address (WireGuard), VNI (VXLAN), created when the template is assigned and "
            "removed (certificates revoked) when it is removed."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        abstract = True
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ("name",)

    def __str__(self) -> str:
        return str(self.name)

    def clean(self) -> None:
        self.clean_config_value()
        if self.type == "vpn":
            if not self.vpn_id:
                raise ValidationError({"vpn": _("A VPN client template needs a VPN server.")})
            for check in clean_vpn_client:  # the client side is generated from the server
                check(self)
        elif getattr(self, "vpn_id", None):
            raise ValidationError({"vpn": _("Only a VPN client template has a VPN server.")})
        if not self.config:
            raise ValidationError({"config": _("The configuration field cannot be empty.")})
        if not isinstance(self.default_values, dict):
            raise ValidationError({"default_values": _("Must be a JSON object.")})
        self.tags = parse_tags(self.tags)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.required:
            self.default = True  # a required template is also added by default
        if self.type == "vpn" and getattr(self, "vpn_id", None) and not self.config:
            for generate in vpn_client_config:
                self.config = generate(self.vpn, self.backend, self.auto_cert)
        super().save(*args, **kwargs)
