"""Background jobs of the admin: a bulk action over many devices."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import BaseModel

JOB_ACTIONS = (
    ("change_group", _("change group")),
    ("add_templates", _("add templates")),
    ("remove_templates", _("remove templates")),
    ("delete", _("delete")),
    ("command", _("send a command")),
)
JOB_STATUSES = (
    ("pending", _("pending")),
    ("running", _("running")),
    ("done", _("done")),
    ("failed", _("failed")),
)


class AbstractBulkJob(BaseModel):
    """An admin action over many devices, run in the background batch by batch.

    ``device_ids`` are the devices chosen when the action was submitted;
    ``done`` counts those processed (a job taken over after a crash resumes
    there); ``result`` sums what the batches did (e.g. ``{"changed": 10}``).
    """

    action = models.CharField(_("action"), max_length=32, choices=JOB_ACTIONS)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    device_ids = models.JSONField(_("devices"), default=list, blank=True)
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=JOB_STATUSES, default="pending", db_index=True
    )
    result = models.JSONField(_("result"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    finished = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        verbose_name = _("bulk job")
        verbose_name_plural = _("bulk jobs")
        ordering = ("-created",)

    def __str__(self):
        return f"{self.get_action_display()} ({self.done}/{self.total})"

    @property
    def percent(self):
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
