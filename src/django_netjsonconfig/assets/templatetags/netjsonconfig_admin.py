"""``{% load netjsonconfig_admin %}`` for a site that lists ``django_netjsonconfig.assets``."""

from django_netjsonconfig.templatetags.netjsonconfig_admin import register  # noqa: F401
