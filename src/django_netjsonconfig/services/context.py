"""Configuration variables and where each value comes from.

Precedence, lowest first (a later source overrides an earlier one):

1. template ``default_values``, in template order
2. ``NETJSONCONFIG_CONTEXT`` (global variables)
3. the device group's variables
4. the registered context providers, in order: the VPN clients' variables
   (``vpn:<server name>``, see ``services.vpnclients``)
5. predefined: ``id``, ``key``, ``name``, ``mac_address``, ``hardware_id``
6. the device's own variables (``Config.context``)

A context provider is a function ``(device, templates, config)`` returning a list
of ``(source, dict)`` layers; ``device`` and ``config`` are None when a template
is checked or previewed on its own (the provider then gives sample values).
Register one with ``providers.register(name, function or dotted path)``.
"""

from dataclasses import dataclass

from ..registry import Registry
from ..settings import app_settings

providers = Registry("context provider")
providers.register("vpn", "django_netjsonconfig.services.vpnclients.context_layers")

PREDEFINED = ("id", "key", "name", "mac_address", "hardware_id")

#: the device field each predefined variable comes from: a device saved with one of
#: them changed is re-rendered (``services.devices.after_save``), so each must be one
#: of the device model's ``tracked_fields``
PREDEFINED_FIELDS = {
    "id": "id",
    "key": "key",
    "name": "name",
    "mac_address": "mac_address",
    "hardware_id": "hardware_id",
}


@dataclass(frozen=True)
class Variable:
    name: str
    value: object
    source: str  # "template:<name>", "global", "group:<name>", "predefined", "device"
    overridden: tuple = ()  # sources whose value this one hides


def predefined_context(device):
    return {
        "id": str(device.pk) if device.pk else "",
        "key": device.key or "",
        "name": device.name or "",
        "mac_address": device.mac_address or "",
        "hardware_id": device.hardware_id or "",
    }


def layers(device, templates, device_context=None, group=None, config=None):
    """The variable sources of a device, lowest precedence first: ``[(source, dict)]``.

    ``config`` is the config the layers are for (the VPN provider reads its clients);
    when None, the device's saved config is used."""
    out = [(f"template:{t.name}", t.default_values or {}) for t in templates]
    global_context = app_settings.CONTEXT or {}
    out.append(("global", global_context))
    group = group if group is not None else getattr(device, "group", None)
    if group is not None:
        out.append((f"group:{group.name}", group.context or {}))
    for _name, provider in providers.items():
        out.extend(provider(device, templates, config))
    out.append(("predefined", predefined_context(device)))
    out.append(("device", device_context or {}))
    return out


def sample_layers(templates):
    """What the context providers give templates checked or previewed on their own."""
    out = []
    for _name, provider in providers.items():
        out.extend(provider(None, templates, None))
    return out


def merge(layer_list):
    context = {}
    for _source, values in layer_list:
        if isinstance(values, dict):
            context.update(values)
    return context


def explain(layer_list):
    """Every variable with its effective value and source, sorted by name."""
    seen = {}
    for source, values in layer_list:
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            previous = seen.get(name)
            hidden = (previous.overridden + (previous.source,)) if previous else ()
            seen[name] = Variable(name, value, source, hidden)
    return [seen[name] for name in sorted(seen)]


def system_context(device, templates, group=None):
    """Everything except the device's own variables, as the admin shows read-only."""
    return merge(layers(device, templates, {}, group))
