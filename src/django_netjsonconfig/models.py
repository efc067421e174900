"""Concrete models, used when ``django_netjsonconfig`` itself is installed."""

from .base.config import AbstractConfig, TemplatesVpnMixin
from .base.device import AbstractDevice
from .base.device_group import AbstractDeviceGroup
from .base.template import AbstractTemplate


class DeviceGroup(AbstractDeviceGroup):
    class Meta(AbstractDeviceGroup.Meta):
        abstract = False


class Template(AbstractTemplate):
    class Meta(AbstractTemplate.Meta):
        abstract = False


class Device(AbstractDevice):
    class Meta(AbstractDevice.Meta):
        abstract = False


class Config(TemplatesVpnMixin, AbstractConfig):
    class Meta(AbstractConfig.Meta):
        abstract = False
