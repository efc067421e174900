"""The connection types and the update strategies: small registries.

A connector is a name, a label and the JSON schema of its parameters (SSH is built
in); an update strategy is a name, a label, the connector it runs on and a function
``update(ssh) -> str`` that asks the device to update (see :mod:`.strategies`). The
strategy of a connection left blank is chosen from the device's configuration backend
(:data:`BACKEND_STRATEGIES`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext as _

from . import ssh, strategies

_connectors: dict[str, dict[str, Any]] = {}
_strategies: dict[str, dict[str, Any]] = {}

#: the strategy of a device's connection when left blank, by configuration backend
BACKEND_STRATEGIES = {
    "netjsonconfig.OpenWrt": "openwrt",
    "netjsonconfig.OpenWisp": "openwrt",
}


def register_connector(name: str, label: str, schema: dict[str, Any]) -> None:
    if name in _connectors:
        raise ImproperlyConfigured(f'a connector named "{name}" is already registered')
    jsonschema.validators.validator_for(schema).check_schema(schema)
    _connectors[name] = {"label": label, "schema": schema}


def register_strategy(
    name: str, label: str, update: Callable[[ssh.Ssh], str], connector: str = "ssh"
) -> None:
    if name in _strategies:
        raise ImproperlyConfigured(f'an update strategy named "{name}" is already registered')
    _strategies[name] = {"label": label, "update": update, "connector": connector}


def unregister_strategy(name: str) -> None:
    if name not in _strategies:
        raise ImproperlyConfigured(f'no update strategy named "{name}" is registered')
    del _strategies[name]


def register_builtins() -> None:
    if "ssh" not in _connectors:
        register_connector("ssh", "SSH", ssh.SCHEMA)
    if "openwrt" not in _strategies:
        register_strategy("openwrt", "OpenWrt (openwisp-config agent) over SSH", strategies.openwrt)


def connector_choices() -> list[tuple[str, str]]:
    return [(name, spec["label"]) for name, spec in _connectors.items()]


def strategy_choices() -> list[tuple[str, str]]:
    return [(name, spec["label"]) for name, spec in _strategies.items()]


def strategy(name: str) -> Callable[[ssh.Ssh], str]:
    return _strategies[name]["update"]


def clean_params(connector: str, params: Any) -> None:
    """ValidationError when ``params`` do not fit the connector's schema. The message
    never quotes a value (it may be a secret)."""
    spec = _connectors.get(connector)
    if spec is None:
        raise ValidationError({"connector": _("unknown connection type: %s") % connector})
    validator = jsonschema.validators.validator_for(spec["schema"])(spec["schema"])
    errors = sorted(validator.iter_errors(params), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    if error.validator == "oneOf" and error.context:
        # the closest alternative: the one with the fewest errors
        by_branch: dict[int, list[Any]] = {}
        for sub in error.context:
            by_branch.setdefault(sub.schema_path[0], []).append(sub)
        error = min(by_branch.values(), key=len)[0]
    where = "/".join(str(p) for p in error.absolute_path)
    reasons = {
        "required": _("a required member is missing: %s") % _missing(error),
        "additionalProperties": _("unexpected member"),
        "minLength": _("too short"),
        "maxLength": _("too long"),
        "type": _("wrong type"),
        "minimum": _("too small"),
        "maximum": _("too large"),
    }
    reason = reasons.get(str(error.validator), _("not valid"))
    raise ValidationError({"params": f"{where + ': ' if where else ''}{reason}"})


def _missing(error: Any) -> str:
    text = str(error.message)
    return text.split("'")[1] if text.count("'") >= 2 else text


def infer_strategy(device: Any) -> str | None:
    """The strategy for ``device``'s configuration backend (None: no config, or no
    strategy for its backend)."""
    config = getattr(device, "config", None) if _has_config(device) else None
    if config is None:
        return None
    name = BACKEND_STRATEGIES.get(config.backend)
    return name if name in _strategies else None


def _has_config(device: Any) -> bool:
    try:
        return device.config is not None
    except Exception:  # noqa: BLE001 - RelatedObjectDoesNotExist
        return False
