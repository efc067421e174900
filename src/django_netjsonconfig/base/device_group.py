from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from sortedm2m.fields import SortedManyToManyField

from .base import BaseModel


class AbstractDeviceGroup(BaseModel):
    """Devices that share templates and variables."""

    tracked_fields = ("context",)

    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    templates = SortedManyToManyField(
        "Template",
        blank=True,
        related_name="device_groups",
        verbose_name=_("templates"),
        help_text=_("Templates applied to every device of the group, in this order."),
    )
    context = models.JSONField(
        _("variables"),
        default=dict,
        blank=True,
        help_text=_("Configuration variables of the devices of this group."),
    )
    meta_data = models.JSONField(_("metadata"), default=dict, blank=True)

    class Meta:
        abstract = True
        verbose_name = _("device group")
        verbose_name_plural = _("device groups")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        for field in ("context", "meta_data"):
            if not isinstance(getattr(self, field), dict):
                raise ValidationError({field: _("Must be a JSON object.")})
