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


def truncate_reason(reason):
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

    class Meta:
        abstract = True


class AbstractConfig(BaseConfig):
    """The configuration of one device."""

    tracked_fields = ("backend", "config", "context")

    device = models.OneToOneField(
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

    class Meta:
        abstract = True
        verbose_name = _("configuration")
        verbose_name_plural = _("configurations")

    def __str__(self):
        return str(self.device) if self.device_id else super().__str__()

    @property
    def checksum(self):
        return self.checksum_db

    def clean(self):
        self.clean_config_value()
        if not isinstance(self.context, dict):
            raise ValidationError({"context": _("Must be a JSON object.")})
