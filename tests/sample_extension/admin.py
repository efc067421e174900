"""The seed README's "Extending the admin" recipe, plus the device and group pages."""

from django.contrib import admin

from django_netjsonconfig.base.admin import (
    AbstractCaAdmin,
    AbstractCertAdmin,
    AbstractConfigAdmin,
    AbstractConfigForm,
    AbstractCredentialsAdmin,
    AbstractDeviceAdmin,
    AbstractDeviceGroupAdmin,
    AbstractTemplateAdmin,
    AbstractVpnAdmin,
    AbstractVpnForm,
    BaseForm,
    ConfigInline,
)

from .models import (
    Ca,
    Cert,
    Config,
    Credentials,
    Device,
    DeviceGroup,
    Organization,
    Template,
    Vpn,
)


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


class VpnForm(AbstractVpnForm):
    class Meta(AbstractVpnForm.Meta):
        model = Vpn


class VpnAdmin(AbstractVpnAdmin):
    form = VpnForm


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
admin.site.register(Vpn, VpnAdmin)
admin.site.register(Ca, AbstractCaAdmin)
admin.site.register(Cert, AbstractCertAdmin)
admin.site.register(Credentials, AbstractCredentialsAdmin)

# the fleet dashboard on the admin index (docs/extending.md)
admin.site.index_template = "admin/django_netjsonconfig/index.html"
