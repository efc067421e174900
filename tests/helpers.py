"""Small helpers shared by the controller tests."""

from django_netjsonconfig.apps import get_model

from .factories import OPENWRT, DeviceFactory, make_config


def parse_lines(response):
    """``a: b\\nc: d\\n`` -> ``{"a": "b", "c": "d"}``."""
    text = response.content.decode()
    return dict(line.split(": ", 1) for line in text.strip().splitlines())


def device_with_config(**config_kwargs):
    device = DeviceFactory()
    make_config(device, **config_kwargs)
    return get_model("device").objects.select_related("config").get(pk=device.pk)


def register(client, shared_secret, **overrides):
    data = {
        "secret": shared_secret,
        "name": "router-1",
        "mac_address": "00:11:22:33:44:55",
        "backend": OPENWRT,
    }
    data.update(overrides)
    return client.post("/controller/register/", data)
