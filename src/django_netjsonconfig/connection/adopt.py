"""Adopting a device configured by hand: its running configuration, read over SSH.

:func:`fetch` runs ``uci export`` on the device (through its enabled connections, with
the usual bounded waits) and turns the output into NetJSON with netjsonconfig's own
OpenWrt parser. :func:`propose` splits it into what the device's templates already give
and the rest, proposed as the device's own configuration. Nothing is saved here: the
admin asks the operator to accept, then saves through ``devices.configs.save``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from netjsonconfig import OpenWrt
from netjsonconfig.utils import merge_config

from ..devices.inputs import ordered_templates
from ..settings import app_settings
from . import sessions

#: what is run on the device: the whole UCI configuration, as text
EXPORT = "uci export"
#: the backends whose devices speak UCI
UCI_BACKENDS = ("netjsonconfig.OpenWrt", "netjsonconfig.OpenWisp")


class AdoptError(Exception):
    """The running configuration could not be read or understood (the message says why)."""


@dataclass
class Proposal:
    running: dict[str, Any]  # the whole running configuration, as NetJSON
    covered: dict[str, Any]  # what the templates already give
    own: dict[str, Any]  # the rest: proposed as the device's own configuration


def fetch_native(device: Any) -> str:
    """The output of ``uci export`` on ``device``; AdoptError saying why not."""
    try:
        with sessions.working_session(device) as (_connection, ssh):
            result = ssh.exec(
                EXPORT,
                timeout=app_settings.SSH_COMMAND_TIMEOUT,
                max_output=app_settings.COMMAND_OUTPUT_MAX,
            )
    except sessions.NoWorkingConnection as exc:
        raise AdoptError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - an SSH error: said, never a 500
        raise AdoptError(_("the device could not be read: %s") % exc) from None
    if result.timed_out:
        raise AdoptError(_("uci export timed out after %s seconds") % result.timeout)
    if result.truncated:
        raise AdoptError(
            _("the configuration is larger than NETJSONCONFIG_COMMAND_OUTPUT_MAX (%d characters)")
            % result.limit
        )
    if result.exit_code != 0:
        raise AdoptError(
            _("uci export failed (exit code %(code)s): %(output)s")
            % {"code": result.exit_code, "output": result.output.strip()[:500]}
        )
    return str(result.output)


def parse(native: str) -> dict[str, Any]:
    """NetJSON of a UCI export (netjsonconfig's OpenWrt parser)."""
    if "package " not in native:
        raise AdoptError(_("the device's answer is not a UCI export"))
    try:
        config = OpenWrt(native=native).config
    except Exception as exc:  # noqa: BLE001 - the parser's errors vary: said, never a 500
        raise AdoptError(_("the UCI export could not be parsed: %s") % exc) from None
    return _plain(config)


def _plain(value: Any) -> Any:
    """OrderedDicts as dicts (JSON, comparisons)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def templates_config(config: Any) -> dict[str, Any]:
    """The NetJSON the device's templates give, merged in their order."""
    merged: dict[str, Any] = {}
    for template in ordered_templates(config):
        merged = merge_config(merged, copy.deepcopy(template.config or {}))
    return _plain(merged)


def subtract(running: Any, base: Any) -> Any:
    """What ``running`` has that ``base`` does not give (None: nothing)."""
    if running == base:
        return None
    if isinstance(running, dict) and isinstance(base, dict):
        out = {}
        for key, value in running.items():
            if key not in base:
                out[key] = value
                continue
            rest = subtract(value, base[key])
            if rest not in (None, {}, []):
                out[key] = rest
        return out
    if isinstance(running, list) and isinstance(base, list):
        return [item for item in running if item not in base]
    return running


def covered_part(running: Any, base: Any) -> Any:
    """What of ``running`` the ``base`` gives identically (None: nothing)."""
    if running == base:
        return running
    if isinstance(running, dict) and isinstance(base, dict):
        out = {}
        for key, value in running.items():
            if key in base:
                part = covered_part(value, base[key])
                if part not in (None, {}, []):
                    out[key] = part
        return out
    if isinstance(running, list) and isinstance(base, list):
        return [item for item in running if item in base]
    return None


def propose(config: Any, running: dict[str, Any]) -> Proposal:
    base = templates_config(config)
    return Proposal(
        running=running,
        covered=covered_part(running, base) or {},
        own=subtract(running, base) or {},
    )


def adoptable(device: Any) -> bool:
    """Whether the device's configuration speaks UCI (OpenWrt, OpenWISP firmware)."""
    config = getattr(device, "config", None)
    return config is not None and config.backend in UCI_BACKENDS


def fetch(device: Any) -> Proposal:
    """The device's running configuration, split against its templates."""
    if not adoptable(device):
        raise AdoptError(_("only devices with an OpenWrt or OpenWISP configuration can be adopted"))
    return propose(device.config, parse(fetch_native(device)))
