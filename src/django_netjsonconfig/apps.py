"""App configuration and the resolver through which library code finds models.

Library code never imports concrete models at module level: an extending app
(which does not install ``django_netjsonconfig``) has its own. The one installed
app config that is a :class:`DjangoNetjsonconfigApp` names the concrete models
in ``__setmodels__``; :func:`get_model` returns them.
"""

from django.apps import AppConfig, apps
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

MODEL_ATTRIBUTES = {
    "device": "device_model",
    "config": "config_model",
    "template": "template_model",
    "devicegroup": "devicegroup_model",
    "vpn": "vpn_model",
    "vpnclient": "vpnclient_model",
}


class DjangoNetjsonconfigApp(AppConfig):
    name = "django_netjsonconfig"
    label = "django_netjsonconfig"
    verbose_name = _("Network configuration")
    default_auto_field = "django.db.models.BigAutoField"

    def __setmodels__(self):
        """Name the concrete models. An extending app overrides this."""
        from .models import Config, Device, DeviceGroup, Template

        self.device_model = Device
        self.config_model = Config
        self.template_model = Template
        self.devicegroup_model = DeviceGroup

    def ready(self):
        self.__setmodels__()
        config_model = getattr(self, "config_model", None)
        if config_model is not None and getattr(self, "device_model", None) is None:
            # the seed's recipe names only Config (and VpnClient): derive the rest
            self.device_model = config_model._meta.get_field("device").related_model
        if config_model is not None:
            if getattr(self, "template_model", None) is None:
                self.template_model = config_model._meta.get_field("templates").related_model
            if getattr(self, "devicegroup_model", None) is None:
                group = self.device_model._meta.get_field("group")
                self.devicegroup_model = group.related_model
        from . import receivers
        from .checks import check_shared_secret

        check_shared_secret()
        receivers.connect_model_receivers(self)


def get_models_app():
    """The installed app config that owns the concrete models."""
    found = [c for c in apps.get_app_configs() if isinstance(c, DjangoNetjsonconfigApp)]
    if len(found) != 1:
        raise ImproperlyConfigured(
            "exactly one installed app must be django_netjsonconfig or extend "
            f"DjangoNetjsonconfigApp; found {len(found)}"
        )
    return found[0]


def get_model(name):
    """The concrete model for ``name`` (device, config, template, devicegroup, ...)."""
    model = getattr(get_models_app(), MODEL_ATTRIBUTES[name], None)
    if model is None:
        raise ImproperlyConfigured(f"no concrete {name} model is configured")
    return model
