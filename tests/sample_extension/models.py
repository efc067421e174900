"""The seed README's extension: every model gains an organization."""

from django.db import models
from sortedm2m.fields import SortedManyToManyField

from django_netjsonconfig.base.config import AbstractConfig, TemplatesVpnMixin
from django_netjsonconfig.base.connection import (
    AbstractCommand,
    AbstractCredentials,
    AbstractDeviceConnection,
)
from django_netjsonconfig.base.device import AbstractDevice
from django_netjsonconfig.base.device_group import AbstractDeviceGroup
from django_netjsonconfig.base.job import AbstractBulkJob
from django_netjsonconfig.base.notification import (
    AbstractNotification,
    AbstractNotificationSetting,
)
from django_netjsonconfig.base.pki import AbstractCa, AbstractCert
from django_netjsonconfig.base.template import AbstractTemplate
from django_netjsonconfig.base.vpn import AbstractVpn, AbstractVpnClient


class Organization(models.Model):
    name = models.CharField(max_length=64, unique=True)

    def __str__(self):
        return self.name


class OrganizationMixin(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta:
        abstract = True


class DeviceGroup(OrganizationMixin, AbstractDeviceGroup):
    class Meta(AbstractDeviceGroup.Meta):
        abstract = False


class Template(OrganizationMixin, AbstractTemplate):
    vpn = models.ForeignKey("config.Vpn", on_delete=models.CASCADE, blank=True, null=True)

    class Meta(AbstractTemplate.Meta):
        abstract = False


class Device(OrganizationMixin, AbstractDevice):
    class Meta(AbstractDevice.Meta):
        abstract = False


class Config(OrganizationMixin, TemplatesVpnMixin, AbstractConfig):
    templates = SortedManyToManyField(
        "config.Template", related_name="config_relations", blank=True
    )
    vpn = models.ManyToManyField(
        "config.Vpn", through="config.VpnClient", related_name="vpn_relations", blank=True
    )

    class Meta(AbstractConfig.Meta):
        abstract = False


class Ca(OrganizationMixin, AbstractCa):
    class Meta(AbstractCa.Meta):
        abstract = False


class Cert(OrganizationMixin, AbstractCert):
    class Meta(AbstractCert.Meta):
        abstract = False


class Vpn(OrganizationMixin, AbstractVpn):
    class Meta(AbstractVpn.Meta):
        abstract = False


class VpnClient(AbstractVpnClient):
    config = models.ForeignKey("config.Config", on_delete=models.CASCADE)
    vpn = models.ForeignKey("config.Vpn", on_delete=models.CASCADE)
    cert = models.OneToOneField("config.Cert", on_delete=models.SET_NULL, blank=True, null=True)

    class Meta(AbstractVpnClient.Meta):
        abstract = False


class BulkJob(AbstractBulkJob):
    class Meta(AbstractBulkJob.Meta):
        abstract = False


class Credentials(OrganizationMixin, AbstractCredentials):
    class Meta(AbstractCredentials.Meta):
        abstract = False
        constraints = [
            models.UniqueConstraint(
                fields=("organization", "name"), name="config_credentials_unique_name"
            )
        ]


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
