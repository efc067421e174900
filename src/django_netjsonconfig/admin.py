"""Admin of the concrete models, used when ``django_netjsonconfig`` itself is installed.

An extending app registers its own models with the classes of
``django_netjsonconfig.base.admin`` instead. With django-reversion installed,
the admins keep versions (``VersionAdmin``).
"""

from django.apps import apps
from django.contrib import admin

from .apps import get_model
from .base.admin import (
    AbstractDeviceAdmin,
    AbstractDeviceGroupAdmin,
    AbstractTemplateAdmin,
    ConfigInline,
)

if apps.is_installed("reversion"):
    from reversion.admin import VersionAdmin

    VERSION_BASES = (VersionAdmin,)
else:
    VERSION_BASES = ()


class DeviceConfigInline(ConfigInline):
    model = get_model("config")


class DeviceAdmin(*VERSION_BASES, AbstractDeviceAdmin):
    inlines = [DeviceConfigInline]


class TemplateAdmin(*VERSION_BASES, AbstractTemplateAdmin):
    pass


class DeviceGroupAdmin(*VERSION_BASES, AbstractDeviceGroupAdmin):
    pass


admin.site.register(get_model("device"), DeviceAdmin)
admin.site.register(get_model("template"), TemplateAdmin)
admin.site.register(get_model("devicegroup"), DeviceGroupAdmin)
