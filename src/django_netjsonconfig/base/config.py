from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from sortedm2m.fields import SortedManyToManyField

from .base import BaseConfig

STATUS_CHOICES = (
    ("modified", _("modified")),
    ("applied", _("applied")),
    ("error", _("error")),
)
ERROR_REASON_MAX = 1024


def truncate_reason(reason: str | None) -> str:
    reason = reason or ""
    if len(reason) <= ERROR_REASON_MAX:
        return reason
    marker = "\n[truncated]"
    return reason[: ERROR_REASON_MAX - len(marker)] + marker


class TemplatesVpnMixin(models.Model):
    """The ordered templates of a config (and, with the VPN feature, its VPN clients)."""

    templates = SortedManyToManyField(
        "Template",
        related_name="config_relations",
        verbose_name=_("templates"),
        blank=True,
        help_text=_("Applied in this order: a later template overrides an earlier one."),
    )
    vpn: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        "Vpn",
        through="VpnClient",
        related_name="vpn_relations",
        blank=True,
        verbose_name=_("VPN servers"),
        help_text=_("Managed through the VPN client templates"),
    )

    class Meta:
        abstract = True


class AbstractConfig(BaseConfig):
    """The configuration of one device."""

    tracked_fields = ("backend", "config", "context")

    # the concrete Device is the site's: django-stubs cannot resolve it from here
    device = models.OneToOneField(  # type: ignore[misc]
        "Device", on_delete=models.CASCADE, related_name="config", verbose_name=_("device")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=STATUS_CHOICES,
        default="modified",
        db_index=True,
        help_text=_(
            '"modified" means the configuration changed and the device has not applied it '
            'yet; "applied" means the device reported it applied; "error" means it failed.'
        ),
    )
    error_reason = models.CharField(_("error reason"), max_length=ERROR_REASON_MAX, blank=True)
    context = models.JSONField(
        _("variables"),
        default=dict,
        blank=True,
        help_text=_("Device variables; they override every other source."),
    )
    checksum_db = models.CharField(
        _("checksum"), max_length=32, blank=True, null=True, editable=False
    )
    archive = models.BinaryField(_("rendered archive"), null=True, editable=False)
    # > 0: a change needs this config re-rendered (a token, bumped by every new request);
    # the render that started from token t clears it only if it is still t
    render_pending = models.PositiveIntegerField(default=0, db_index=True, editable=False)
    render_action = models.CharField(max_length=32, blank=True, editable=False)
    # the global variables and backends the stored render was made with
    context_fingerprint = models.CharField(max_length=16, blank=True, editable=False)

    class Meta:
        abstract = True
        verbose_name = _("configuration")
        verbose_name_plural = _("configurations")

    def __str__(self) -> str:
        return str(self.device) if self.device_id else super().__str__()

    @property
    def checksum(self) -> str | None:
        return self.checksum_db

    def clean(self) -> None:
        self.clean_config_value()
        if not isinstance(self.context, dict):
            raise ValidationError({"context": _("Must be a JSON object.")})
