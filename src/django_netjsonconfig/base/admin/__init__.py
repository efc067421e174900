"""Admin classes and forms, reusable by an app that extends django-netjsonconfig.

Register them for your own models (see ``docs/extending.md``)::

    class ConfigForm(AbstractConfigForm):
        class Meta(AbstractConfigForm.Meta):
            model = Config

    class ConfigAdmin(AbstractConfigAdmin):
        form = ConfigForm

Nothing here imports a concrete model: the models come from the admin's
``model`` and the forms' ``Meta.model``.
"""

from .connection import (
    AbstractCredentialsAdmin,
    AbstractCredentialsForm,
    DeviceConnectionInline,
)
from .device import AbstractConfigAdmin, AbstractDeviceAdmin, ConfigInline
from .fields import JSONObjectField, TagsField, TemplatesField, TemplatesWidget
from .forms import AbstractConfigForm, BaseForm
from .mixins import PreviewDownloadMixin, SecretFieldsMixin
from .pki import AbstractCaAdmin, AbstractCertAdmin, AbstractX509Form
from .template import AbstractDeviceGroupAdmin, AbstractTemplateAdmin
from .vpn import AbstractVpnAdmin, AbstractVpnForm, VpnClientInline

__all__ = [
    "AbstractCredentialsAdmin",
    "AbstractCredentialsForm",
    "DeviceConnectionInline",
    "AbstractCaAdmin",
    "AbstractCertAdmin",
    "AbstractVpnAdmin",
    "AbstractVpnForm",
    "AbstractX509Form",
    "VpnClientInline",
    "AbstractConfigAdmin",
    "AbstractConfigForm",
    "AbstractDeviceAdmin",
    "AbstractDeviceGroupAdmin",
    "AbstractTemplateAdmin",
    "BaseForm",
    "ConfigInline",
    "JSONObjectField",
    "PreviewDownloadMixin",
    "SecretFieldsMixin",
    "TagsField",
    "TemplatesField",
    "TemplatesWidget",
]
