import hashlib
import secrets
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from ..settings import app_settings
from ..validators import (
    clean_agent_key,
    device_name_validator,
    key_validator,
    mac_address_validator,
    normalize_mac,
)
from .base import BaseModel


def consistent_key(mac_address: str, secret: str) -> str:
    """The key the agent computes with consistent registration: md5(mac + '+' + secret)."""
    return hashlib.md5(f"{mac_address}+{secret}".encode()).hexdigest()


class AbstractDevice(BaseModel):
    """A network device managed by the controller."""

    # what a save compares with the values read (devices.devices.after_save): the
    # group, the management IP, and every field a predefined variable comes from
    tracked_fields = (
        "name",
        "group_id",
        "management_ip",
        "mac_address",
        "key",
        "hardware_id",
        "id",
    )

    name = models.CharField(
        _("name"),
        max_length=64,
        db_index=True,
        validators=[device_name_validator],
        help_text=_("Hostname, or MAC address while the device keeps its default hostname."),
    )
    mac_address = models.CharField(
        _("MAC address"),
        max_length=17,
        unique=True,
        validators=[mac_address_validator],
        help_text=_("Primary MAC address"),
    )
    key = models.CharField(
        _("key"),
        max_length=64,
        unique=True,
        blank=True,
        validators=[key_validator],
        help_text=_("Unique device key, generated when empty"),
    )
    hardware_id = models.CharField(_("serial number"), max_length=32, blank=True, default="")
    model = models.CharField(_("model"), max_length=64, blank=True, db_index=True)
    os = models.CharField(_("operating system"), max_length=128, blank=True, db_index=True)
    system = models.CharField(_("SOC / CPU"), max_length=128, blank=True, db_index=True)
    notes = models.TextField(_("notes"), blank=True)
    last_ip = models.GenericIPAddressField(
        _("last IP address"),
        blank=True,
        null=True,
        db_index=True,
        help_text=_("Address of the last request of the device to the controller"),
    )
    management_ip = models.GenericIPAddressField(
        _("management IP"),
        blank=True,
        null=True,
        db_index=True,
        help_text=_("Address the controller uses to reach the device"),
    )
    # the concrete models are the site's (ours or an extension's): django-stubs cannot
    # resolve the name of an abstract model's relation
    group = models.ForeignKey(  # type: ignore[misc]
        "DeviceGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("group"),
    )

    class Meta:
        abstract = True
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="%(app_label)s_%(class)s_unique_name_ci",
                violation_error_message=_("A device with this name already exists."),
            )
        ]

    def __str__(self) -> str:
        if app_settings.HARDWARE_ID_ENABLED and app_settings.HARDWARE_ID_AS_NAME:
            return self.hardware_id or self.name
        return self.name

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        errors: dict[str, Any] = {}
        try:
            super().clean_fields(exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if clean_agent_key(self, exclude, errors):
            raise ValidationError(errors)

    def clean(self) -> None:
        if self.mac_address:
            try:
                self.mac_address = normalize_mac(self.mac_address)
            except ValueError:
                pass  # the field validator reports it

    def generate_key(self) -> str:
        secret = app_settings.SHARED_SECRET
        if app_settings.CONSISTENT_REGISTRATION and secret:
            basis = self.hardware_id if app_settings.HARDWARE_ID_ENABLED else self.mac_address
            if basis:
                return consistent_key(basis, secret)
        return secrets.token_hex(16)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.mac_address:
            try:
                self.mac_address = normalize_mac(self.mac_address)
            except ValueError:
                pass
        if not self.key:
            self.key = self.generate_key()
        super().save(*args, **kwargs)
