"""The seed README's "Extending the admin" recipe, plus the device and group pages."""

from django.contrib import admin

from django_netjsonconfig.base.admin import (
    AbstractConfigAdmin,
    AbstractConfigForm,
    AbstractDeviceAdmin,
    AbstractDeviceGroupAdmin,
    AbstractTemplateAdmin,
    BaseForm,
    ConfigInline,
)

from .models import Config, Device, DeviceGroup, Organization, Template


class ConfigForm(AbstractConfigForm):
    class Meta(AbstractConfigForm.Meta):
        model = Config


class ConfigAdmin(AbstractConfigAdmin):
    form = ConfigForm


class TemplateForm(BaseForm):
    class Meta(BaseForm.Meta):
        model = Template


class TemplateAdmin(AbstractTemplateAdmin):
    form = TemplateForm


class DeviceConfigInline(ConfigInline):
    model = Config
    form = ConfigForm


class DeviceAdmin(AbstractDeviceAdmin):
    inlines = [DeviceConfigInline]


admin.site.register(Organization)
admin.site.register(Config, ConfigAdmin)
admin.site.register(Template, TemplateAdmin)
admin.site.register(Device, DeviceAdmin)
admin.site.register(DeviceGroup, AbstractDeviceGroupAdmin)
