"""Notifications of the admin's users, and their switches per notification type.

Both are optional models: without them (an extending app that defines none) nothing is
notified. A notification names its target by model label and primary key (no content
types: a site need not install them) and keeps the text it shows, already written:
nothing is rendered from it but as escaped text.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

LEVELS = (
    ("info", _("info")),
    ("success", _("success")),
    ("warning", _("warning")),
    ("error", _("error")),
)


class AbstractNotification(models.Model):
    """What one user is told: one event (``count`` 1, about ``target``) or a group of
    events of one type (``count`` of them, ``url`` the list of their targets)."""

    id = models.BigAutoField(primary_key=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient"),
    )
    type = models.CharField(_("type"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=LEVELS, default="info")
    message = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    count = models.PositiveIntegerField(_("events"), default=1)
    target_model = models.CharField(_("target model"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    unread = models.BooleanField(_("unread"), default=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        abstract = True
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-updated", "-id")
        indexes = [
            models.Index(fields=["recipient", "unread", "type"], name="%(class)s_unread_idx"),
        ]

    def __str__(self):
        return self.message


class AbstractNotificationSetting(models.Model):
    """A user's switches for one notification type (no row: the type's defaults)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    type = models.CharField(_("type"), max_length=64)
    web = models.BooleanField(_("in the admin"), default=True)
    email = models.BooleanField(_("by e-mail"), default=False)

    class Meta:
        abstract = True
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "type"], name="%(app_label)s_notification_setting_unique"
            )
        ]

    def __str__(self):
        return f"{self.type}: web={self.web}, email={self.email}"
