import os

from django.apps import AppConfig


class AssetsConfig(AppConfig):
    """An app without models whose directory is the package's: Django finds the
    ``templates/`` and ``static/`` of ``django_netjsonconfig`` through it (and the
    management commands, which this package re-exports)."""

    name = "django_netjsonconfig.assets"
    label = "netjsonconfig_assets"
    verbose_name = "django-netjsonconfig templates and static files"
    path = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
