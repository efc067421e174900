"""The seed README's extension: every model gains an organization."""

from django.db import models
from sortedm2m.fields import SortedManyToManyField

from django_netjsonconfig.base.config import AbstractConfig, TemplatesVpnMixin
from django_netjsonconfig.base.device import AbstractDevice
from django_netjsonconfig.base.device_group import AbstractDeviceGroup
from django_netjsonconfig.base.template import AbstractTemplate


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
    class Meta(AbstractTemplate.Meta):
        abstract = False


class Device(OrganizationMixin, AbstractDevice):
    class Meta(AbstractDevice.Meta):
        abstract = False


class Config(OrganizationMixin, TemplatesVpnMixin, AbstractConfig):
    templates = SortedManyToManyField(
        "config.Template", related_name="config_relations", blank=True
    )

    class Meta(AbstractConfig.Meta):
        abstract = False
