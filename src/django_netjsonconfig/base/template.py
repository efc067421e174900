from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import BaseConfig

TYPE_CHOICES = (("generic", _("Generic")),)


def parse_tags(value):
    """``"a b,c"`` or ``["a", "b"]`` -> ``["a", "b", "c"]`` (sorted, unique)."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return sorted({str(tag).strip() for tag in value or () if str(tag).strip()})


class AbstractTemplate(BaseConfig):
    """A reusable piece of NetJSON merged into the configs that use it."""

    tracked_fields = ("backend", "config", "default_values", "default", "required")

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
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        abstract = True
        verbose_name = _("template")
        verbose_name_plural = _("templates")
        ordering = ("name",)

    def __str__(self):
        return self.name

    def clean(self):
        self.clean_config_value()
        if not self.config:
            raise ValidationError({"config": _("The configuration field cannot be empty.")})
        if not isinstance(self.default_values, dict):
            raise ValidationError({"default_values": _("Must be a JSON object.")})
        self.tags = parse_tags(self.tags)

    def save(self, *args, **kwargs):
        if self.required:
            self.default = True  # a required template is also added by default
        super().save(*args, **kwargs)
