"""Common URLs (namespace ``netjsonconfig``), used by the admin."""

from django.urls import path

from . import views
from .base.admin import notifications

app_name = "netjsonconfig"
urlpatterns = [
    path("netjsonconfig/schema.json", views.schema, name="schema"),
    path("netjsonconfig/ca/<str:pk>.crl", views.crl, name="crl"),
    # the user's own notifications (docs/notifications.md)
    path(
        "netjsonconfig/notifications/",
        notifications.notification_list,
        name="notifications",
    ),
    path(
        "netjsonconfig/notifications/<int:pk>/read/",
        notifications.notification_read,
        name="notification_read",
    ),
    path(
        "netjsonconfig/notifications/read-all/",
        notifications.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "netjsonconfig/notifications/settings/",
        notifications.notification_settings,
        name="notification_settings",
    ),
]
