"""VPN servers and their clients (the through model of ``Config.vpn``).

The models hold fields and constraints; what happens when a server or a
client is created, changed or removed is ``vpn.servers`` and
``vpn.clients``.
"""

import ipaddress
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..settings import app_settings
from ..validators import clean_agent_key, key_validator
from .base import BaseConfig, BaseModel

VNI_MAX = 16777216


def vpn_backend_choices() -> Sequence[tuple[str, str]]:
    return app_settings.vpn_backend_choices()


def default_vpn_backend() -> str:
    return app_settings.DEFAULT_VPN_BACKEND


def validate_network(value: Any) -> None:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValidationError(
            _("Not a network in CIDR notation: %(error)s"), params={"error": exc}
        ) from None


class AbstractVpn(BaseConfig):
    """A VPN server: its backend, its own NetJSON, its keys and its address range."""

    tracked_fields = (
        "name",
        "host",
        "backend",
        "config",
        "ca_id",
        "cert_id",
        "key",
        "dh",
        "public_key",
        "private_key",
        "subnet",
        "ip_address",
        "division_label",
        "division_master_subnet",
        "division_size",
        "division_number_of_subnets",
        "division_number_of_ips",
    )

    name = models.CharField(_("name"), max_length=64, unique=True)
    host = models.CharField(
        _("host"), max_length=64, help_text=_("Hostname or IP address the clients connect to")
    )
    backend = models.CharField(
        _("VPN backend"),
        max_length=128,
        choices=vpn_backend_choices,
        default=default_vpn_backend,
    )
    # the models are named relative to the app that makes them concrete: the django-stubs
    # plugin cannot find them from an abstract model (type: ignore[misc])
    ca = models.ForeignKey(  # type: ignore[misc]
        "Ca",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vpn_servers",
        verbose_name=_("certificate authority"),
        help_text=_("Required for OpenVPN: it issues the server's and the clients' certificates"),
    )
    cert = models.ForeignKey(  # type: ignore[misc]
        "Cert",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vpn_servers",
        verbose_name=_("server certificate"),
        help_text=_("Leave empty to have one issued by the CA"),
    )
    key = models.CharField(
        _("key"),
        max_length=64,
        unique=True,
        blank=True,
        validators=[key_validator],
        help_text=_("The VPN server agent downloads its configuration with it; generated"),
    )
    dh = models.TextField(_("Diffie-Hellman parameters"), blank=True, editable=False)
    public_key = models.CharField(_("public key"), max_length=44, blank=True, editable=False)
    private_key = models.CharField(_("private key"), max_length=44, blank=True, editable=False)
    subnet = models.CharField(
        _("address range"),
        max_length=43,
        blank=True,
        validators=[validate_network],
        help_text=_("Network the clients get their address from, e.g. 10.8.0.0/24 (WireGuard)"),
    )
    ip_address = models.GenericIPAddressField(
        _("server address"),
        blank=True,
        null=True,
        help_text=_("The server's address in the range; the first one when empty"),
    )
    division_label = models.CharField(
        _("subnet division label"),
        max_length=30,
        blank=True,
        help_text=_(
            "Prefix of the variables of the subnets each client gets, e.g. "
            '"lan": lan_subnet1, lan_subnet1_ip1, lan_prefixlen. Empty: no division.'
        ),
    )
    division_master_subnet = models.CharField(
        _("master subnet"),
        max_length=43,
        blank=True,
        validators=[validate_network],
        help_text=_("The subnets of the clients are taken from it, e.g. 10.100.0.0/16"),
    )
    division_size = models.PositiveSmallIntegerField(
        _("subnet size"),
        blank=True,
        null=True,
        validators=[MaxValueValidator(128)],
        help_text=_("Prefix length of each client subnet, e.g. 24"),
    )
    division_number_of_subnets = models.PositiveSmallIntegerField(
        _("subnets per client"), blank=True, null=True, validators=[MinValueValidator(1)]
    )
    division_number_of_ips = models.PositiveSmallIntegerField(
        _("addresses per subnet"), blank=True, null=True, validators=[MinValueValidator(1)]
    )
    notes = models.TextField(_("notes"), blank=True)
    checksum_db = models.CharField(
        _("checksum"), max_length=32, blank=True, null=True, editable=False
    )
    archive = models.BinaryField(_("rendered archive"), null=True, editable=False)
    # > 0: the stored render is out of date (peers changed); rendered on the next request
    render_pending = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        abstract = True
        verbose_name = _("VPN server")
        verbose_name_plural = _("VPN servers")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["division_label"],
                condition=~models.Q(division_label=""),
                name="%(app_label)s_%(class)s_unique_division_label",
                violation_error_message=_("Another VPN server uses this label."),
            )
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def checksum(self) -> str | None:
        return self.checksum_db

    @property
    def variable_suffix(self) -> str:
        """The suffix of this server's variables (``vpn_host_<suffix>``): its id in hex."""
        return self.pk.hex

    def clean_fields(self, exclude: Any = None) -> None:
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if clean_agent_key(self, exclude, errors):
            raise ValidationError(errors)

    def clean(self) -> None:
        self.clean_config_value()


class AbstractVpnClient(BaseModel):
    """A config's membership of a VPN: its certificate, keys, address and VNI."""

    config = models.ForeignKey(  # type: ignore[misc]
        "Config", on_delete=models.CASCADE, verbose_name=_("config")
    )
    vpn = models.ForeignKey(  # type: ignore[misc]
        "Vpn", on_delete=models.CASCADE, verbose_name=_("VPN server")
    )
    template = models.ForeignKey(  # type: ignore[misc]
        "Template", on_delete=models.CASCADE, null=True, blank=True, verbose_name=_("template")
    )
    cert = models.OneToOneField(  # type: ignore[misc]
        "Cert",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("certificate"),
    )
    auto_cert = models.BooleanField(_("automatic provisioning"), default=False)
    ip_address = models.GenericIPAddressField(_("address"), blank=True, null=True)
    public_key = models.CharField(_("public key"), max_length=44, blank=True)
    private_key = models.CharField(_("private key"), max_length=44, blank=True)
    vni = models.PositiveIntegerField(
        _("VNI"),
        blank=True,
        null=True,
        validators=[MinValueValidator(1), MaxValueValidator(VNI_MAX)],
    )
    # the client's block of subnets in the server's subnet division (0, 1, ...)
    division_index = models.PositiveIntegerField(blank=True, null=True, editable=False)

    class Meta:
        abstract = True
        verbose_name = _("VPN client")
        verbose_name_plural = _("VPN clients")
        ordering = ("created",)
        constraints = [
            models.UniqueConstraint(
                fields=["config", "vpn"], name="%(app_label)s_%(class)s_unique_config_vpn"
            ),
            models.UniqueConstraint(
                fields=["vpn", "ip_address"], name="%(app_label)s_%(class)s_unique_address"
            ),
            models.UniqueConstraint(
                fields=["vpn", "vni"], name="%(app_label)s_%(class)s_unique_vni"
            ),
            models.UniqueConstraint(
                fields=["vpn", "division_index"], name="%(app_label)s_%(class)s_unique_division"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.config} - {self.vpn}" if self.config_id and self.vpn_id else "VPN client"
