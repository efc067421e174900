"""Template tags of the admin: ``{% netjsonconfig_dashboard %}`` on the admin index.

An extending app (which does not install ``django_netjsonconfig``) gets it by listing
``django_netjsonconfig.assets`` in ``INSTALLED_APPS`` (see ``docs/extending.md``).
"""

from django import template
from django.urls import NoReverseMatch, reverse

from ..apps import get_model
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
