"""Configuration variables and where each value comes from.

Precedence, lowest first (a later source overrides an earlier one):

1. template ``default_values``, in template order
2. ``NETJSONCONFIG_CONTEXT`` (global variables)
3. the device group's variables
4. the registered context providers, in order: the VPN clients' variables
   (``vpn:<server name>``, see ``vpn.clients``)
5. predefined: ``id``, ``key``, ``name``, ``mac_address``, ``hardware_id``
6. the device's own variables (``Config.context``)

A context provider is a function ``(device, templates, config)`` returning a list
of ``(source, dict)`` layers; ``device`` and ``config`` are None when a template
is checked or previewed on its own (the provider then gives sample values).
Register one with ``providers.register(name, function or dotted path)``.
"""

import hashlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from ..registry import Registry
from ..settings import app_settings

providers = Registry("context provider")
providers.register("vpn", "django_netjsonconfig.vpn.clients.context_layers")

#: a variable source: (its label, its variables)
Layer = tuple[str, Any]

PREDEFINED = ("id", "key", "name", "mac_address", "hardware_id")

#: the device field each predefined variable comes from: a device saved with one of
#: them changed is re-rendered (``devices.devices.after_save``), so each must be one
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
    overridden: tuple[str, ...] = ()  # sources whose value this one hides


def predefined_context(device: Any) -> dict[str, str]:
    return {
        "id": str(device.pk) if device.pk else "",
        "key": device.key or "",
        "name": device.name or "",
        "mac_address": device.mac_address or "",
        "hardware_id": device.hardware_id or "",
    }


def layers(
    device: Any,
    templates: Iterable[Any],
    device_context: dict[str, Any] | None = None,
    group: Any = None,
    config: Any = None,
) -> list[Layer]:
    """The variable sources of a device, lowest precedence first: ``[(source, dict)]``.

    ``config`` is the config the layers are for (the VPN provider reads its clients);
    when None, the device's saved config is used."""
    out: list[Layer] = [(f"template:{t.name}", t.default_values or {}) for t in templates]
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


def sample_layers(templates: Iterable[Any]) -> list[Layer]:
    """What the context providers give templates checked or previewed on their own."""
    out: list[Layer] = []
    for _name, provider in providers.items():
        out.extend(provider(None, templates, None))
    return out


def merge(layer_list: Iterable[Layer]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for _source, values in layer_list:
        if isinstance(values, dict):
            context.update(values)
    return context


def explain(layer_list: Iterable[Layer]) -> list[Variable]:
    """Every variable with its effective value and source, sorted by name."""
    seen: dict[str, Variable] = {}
    for source, values in layer_list:
        if not isinstance(values, dict):
            continue
        for name, value in values.items():
            previous = seen.get(name)
            hidden = (previous.overridden + (previous.source,)) if previous else ()
            seen[name] = Variable(name, value, source, hidden)
    return [seen[name] for name in sorted(seen)]


# --- what every render depends on besides its config: the settings stamp ------------------
#
# Each render records the *settings stamp* of the process that made it in
# ``Config.context_fingerprint``: 16 characters, ``v``, then when these settings were
# first seen by the process (8 base-36 digits of milliseconds since 2020; it only moves
# when the settings change), then a digest of ``NETJSONCONFIG_CONTEXT`` and
# ``NETJSONCONFIG_BACKENDS`` (7 base-36 digits). A fixed width and one alphabet make
# the text order the time order, in SQL too. A process re-renders the configs whose
# stamp has another digest *and* an earlier time (``fleet.fanout``): the settings of
# the process started last win, so a process left from before a restart (or a rolling
# restart's old workers) cannot undo the newer settings, and settings that go back
# (A, B, A) are newer again. Stamps written before this scheme (16 hex digits of the
# digest) sort before every new one; one equal to the digest of the current settings
# counts as current.

STAMP_PREFIX = "v"
_EPOCH = 1_577_836_800  # 2020-01-01T00:00:00Z, in seconds
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_TIME_WIDTH, _DIGEST_WIDTH = 8, 7  # 36**8 ms: until 2109; 36**7: about 36 bits


def _base36(number: int, width: int) -> str:
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 36)
        out = _DIGITS[digit] + out
    return out


def _settings_text() -> str:
    return json.dumps(
        [app_settings.CONTEXT, [list(b) for b in app_settings.BACKENDS]],
        sort_keys=True,
        default=str,
    )


@dataclass(frozen=True)
class SettingsStamp:
    """The settings stamp of this process (see above)."""

    text: str  # the 16 characters stored with each render
    digest: str  # its last 7
    legacy: str  # the fingerprint stored before stamps had a time (16 hex digits)

    @property
    def floor(self) -> str:
        """The lowest stamp of the same time: the stamps below it are older."""
        return self.text[: -len(self.digest)] + "0" * len(self.digest)

    @property
    def ceiling(self) -> str:
        """The highest stamp of the same time: the stamps above it are newer."""
        return self.text[: -len(self.digest)] + "z" * len(self.digest)

    def same_settings(self, stored: str | None) -> bool:
        """Whether a render stamped ``stored`` used the settings this process has."""
        stored = stored or ""
        if stored.startswith(STAMP_PREFIX) and len(stored) == len(self.text):
            return stored.endswith(self.digest)
        return stored == self.legacy

    def stale(self, field: str = "context_fingerprint") -> Q:
        """``Q`` of the configs rendered with other settings, by a process whose settings
        are older than these (never rendered ones included)."""
        return (
            Q(**{f"{field}__lt": self.floor})
            & ~Q(**{f"{field}__endswith": self.digest})
            & ~Q(**{field: self.legacy})
        )

    def newer(self, field: str = "context_fingerprint") -> Q:
        """``Q`` of the configs rendered with other settings by a process whose settings
        are newer than these (this process is outdated)."""
        return Q(**{f"{field}__gt": self.ceiling}) & ~Q(**{f"{field}__endswith": self.digest})


_stamp_lock = threading.Lock()
_last: dict[str, Any] = {"text": None, "millis": -1}


def settings_stamp() -> "SettingsStamp":
    """This process's :class:`SettingsStamp` for the current settings (recomputed when a
    setting changes; its time moves only when the digest does)."""
    return app_settings.cached("settings_stamp", _compute_stamp)


def _compute_stamp() -> SettingsStamp:
    text = _settings_text()
    full = hashlib.sha1(text.encode()).hexdigest()
    digest = _base36(int(full, 16), _DIGEST_WIDTH)
    with _stamp_lock:
        if _last["text"] != text:
            now = int((time.time() - _EPOCH) * 1000)
            _last["text"], _last["millis"] = text, max(now, _last["millis"] + 1)
        millis = _last["millis"]
    stamp = STAMP_PREFIX + _base36(millis, _TIME_WIDTH) + digest
    return SettingsStamp(stamp, digest, full[:16])
