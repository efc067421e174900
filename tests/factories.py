"""Factories for the models in use (ours, or the sample extension's)."""

import factory
from factory.django import DjangoModelFactory

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

OPENWRT = "netjsonconfig.OpenWrt"


def _with_organization(model_class, kwargs):
    """The sample extension's models need an organization: use a default one."""
    fields = {f.name for f in model_class._meta.get_fields()}
    if "organization" in fields and "organization" not in kwargs:
        organization_model = model_class._meta.get_field("organization").related_model
        kwargs["organization"], _ = organization_model.objects.get_or_create(name="default")
    return kwargs


def extra_fields(model_class, **kwargs):
    """``kwargs`` plus what the sample extension's models require (an organization)."""
    return _with_organization(model_class, kwargs)


class BaseFactory(DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return super()._create(model_class, *args, **_with_organization(model_class, kwargs))


class TemplateFactory(BaseFactory):
    class Meta:
        model = get_model("template")

    name = factory.Sequence(lambda n: f"template-{n}")
    backend = OPENWRT
    config = factory.LazyFunction(lambda: {"general": {"timezone": "UTC"}})


class DeviceGroupFactory(BaseFactory):
    class Meta:
        model = get_model("devicegroup")

    name = factory.Sequence(lambda n: f"group-{n}")


class DeviceFactory(BaseFactory):
    class Meta:
        model = get_model("device")

    name = factory.Sequence(lambda n: f"device-{n}")
    mac_address = factory.Sequence(
        lambda n: f"00:11:22:{(n >> 16) & 255:02X}:{(n >> 8) & 255:02X}:{n & 255:02X}"
    )


def make_config(device=None, *, backend=OPENWRT, config=None, templates=None, context=None):
    """A saved config through the service, as the admin and registration create them."""
    device = device or DeviceFactory()
    config_model = get_model("config")
    instance = config_model(
        device=device, backend=backend, config=config or {}, context=context or {}
    )
    if "organization" in {f.name for f in config_model._meta.get_fields()}:
        instance.organization = device.organization
    return configs.save(instance, templates=templates, created=True)
