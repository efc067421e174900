"""Admin of the concrete models, used when ``django_netjsonconfig`` itself is installed.

An extending app registers its own models with the classes of
``django_netjsonconfig.base.admin`` instead. With django-reversion installed,
the admins keep versions (``VersionAdmin``).
"""

from django.apps import apps
from django.contrib import admin

from .apps import get_model
from .base.admin import (
    AbstractCaAdmin,
    AbstractCertAdmin,
    AbstractCredentialsAdmin,
    AbstractDeviceAdmin,
    AbstractDeviceGroupAdmin,
    AbstractTemplateAdmin,
    AbstractVpnAdmin,
    ConfigInline,
)

if apps.is_installed("reversion"):
    from reversion.admin import VersionAdmin

    VERSION_BASES: tuple[type, ...] = (VersionAdmin,)
else:
    VERSION_BASES = ()

# (mypy cannot follow base classes chosen at run time: the ignores below)


class DeviceConfigInline(ConfigInline):
    model = get_model("config")  # type: ignore[assignment]  # ConfigInline says None


class DeviceAdmin(*VERSION_BASES, AbstractDeviceAdmin):  # type: ignore[misc]
    inlines = [DeviceConfigInline]
    # ours extends reversion's list (VersionAdmin comes first and names its own)
    change_list_template = AbstractDeviceAdmin.change_list_template


class TemplateAdmin(*VERSION_BASES, AbstractTemplateAdmin):  # type: ignore[misc]
    pass


class DeviceGroupAdmin(*VERSION_BASES, AbstractDeviceGroupAdmin):  # type: ignore[misc]
    pass


if admin.site.index_template is None:
    # the fleet dashboard above the applications (a site may choose its own)
    admin.site.index_template = "admin/django_netjsonconfig/index.html"

admin.site.register(get_model("device"), DeviceAdmin)
admin.site.register(get_model("template"), TemplateAdmin)
admin.site.register(get_model("devicegroup"), DeviceGroupAdmin)


class VpnAdmin(*VERSION_BASES, AbstractVpnAdmin):  # type: ignore[misc]
    pass


admin.site.register(get_model("vpn"), VpnAdmin)
admin.site.register(get_model("ca"), AbstractCaAdmin)
admin.site.register(get_model("cert"), AbstractCertAdmin)
admin.site.register(get_model("credentials"), AbstractCredentialsAdmin)
