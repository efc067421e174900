"""Start-up checks."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .settings import app_settings


def check_shared_secret():
    """An empty shared secret is refused in production (the seed's rule)."""
    if not settings.DEBUG and app_settings.REGISTRATION_ENABLED and not app_settings.SHARED_SECRET:
        raise ImproperlyConfigured(
            "NETJSONCONFIG_SHARED_SECRET must be set when DEBUG is False "
            "and automatic registration is enabled"
        )
