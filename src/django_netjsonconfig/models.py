"""Concrete models, used when ``django_netjsonconfig`` itself is installed."""

from django.db import models

from .base.config import AbstractConfig, TemplatesVpnMixin
from .base.connection import AbstractCommand, AbstractCredentials, AbstractDeviceConnection
from .base.device import AbstractDevice
from .base.device_group import AbstractDeviceGroup
from .base.job import AbstractBulkJob
from .base.notification import AbstractNotification, AbstractNotificationSetting
from .base.pki import AbstractCa, AbstractCert
from .base.template import AbstractTemplate
from .base.vpn import AbstractVpn, AbstractVpnClient


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


class Ca(AbstractCa):
    class Meta(AbstractCa.Meta):
        abstract = False


class Cert(AbstractCert):
    class Meta(AbstractCert.Meta):
        abstract = False


class Vpn(AbstractVpn):
    class Meta(AbstractVpn.Meta):
        abstract = False


class VpnClient(AbstractVpnClient):
    class Meta(AbstractVpnClient.Meta):
        abstract = False


class BulkJob(AbstractBulkJob):
    class Meta(AbstractBulkJob.Meta):
        abstract = False


class Credentials(AbstractCredentials):
    class Meta(AbstractCredentials.Meta):
        abstract = False
        constraints = [models.UniqueConstraint(fields=("name",), name="unique_credentials_name")]


class DeviceConnection(AbstractDeviceConnection):
    class Meta(AbstractDeviceConnection.Meta):
        abstract = False


class Command(AbstractCommand):
    class Meta(AbstractCommand.Meta):
        abstract = False


class Notification(AbstractNotification):
    class Meta(AbstractNotification.Meta):
        abstract = False


class NotificationSetting(AbstractNotificationSetting):
    class Meta(AbstractNotificationSetting.Meta):
        abstract = False
