"""Template tags of the admin: ``{% netjsonconfig_dashboard %}`` on the admin index, and
``{% netjsonconfig_notifications_link %}`` (the unread notifications) on every page.

An extending app (which does not install ``django_netjsonconfig``) gets it by listing
``django_netjsonconfig.assets`` in ``INSTALLED_APPS`` (see ``docs/extending.md``).
"""

from django import template
from django.urls import NoReverseMatch, reverse

from ..apps import get_model, get_optional_model
from ..base.admin.dashboard import dashboard

register = template.Library()


@register.inclusion_tag("admin/django_netjsonconfig/dashboard.html", takes_context=True)
def netjsonconfig_dashboard(context):
    """Devices by configuration status, model and OS, for users who may see devices."""
    request = context.get("request")
    user = getattr(request, "user", None)
    device_model = get_model("device")
    opts = device_model._meta
    allowed = user is not None and (
        user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
        or user.has_perm(f"{opts.app_label}.change_{opts.model_name}")
    )
    if not allowed:
        return {"dashboard": None}
    site = getattr(request, "current_app", None) or "admin"
    try:
        url = reverse(f"{site}:{opts.app_label}_{opts.model_name}_changelist")
    except NoReverseMatch:
        url = None
    return {"dashboard": dashboard(device_model, url)}


@register.inclusion_tag("admin/django_netjsonconfig/notifications_link.html", takes_context=True)
def netjsonconfig_notifications_link(context):
    """A link to the user's notifications with the number of unread ones (one query), for
    staff users of a site that has the notification models and our URLs."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return {"url": None}
    model = get_optional_model("notification")
    if model is None:
        return {"url": None}
    try:
        url = reverse("netjsonconfig:notifications")
    except NoReverseMatch:
        return {"url": None}
    return {"url": url, "unread": model.objects.filter(recipient=user, unread=True).count()}
