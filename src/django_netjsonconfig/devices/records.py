"""Records of the unit of work (``workflow.unit``) about configs: "this config needs
a render". Made by the model receivers and by the services; done by
``devices.steps`` (one render per config and transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..workflow import unit

#: the reasons of a render, weakest first
STRENGTH = {"config_changed": 0, "related_template_changed": 1, "m2m_templates_changed": 2}


@dataclass
class Render:
    config: Any
    action: str | None  # None: the config was created in this unit (no ``config_modified``)
    initial: bool = False  # give it its initial templates if it has none when rendered


def _merge(old: Render, new: Render) -> Render:
    if old.action is None or new.action is None:
        action = None
    else:
        action = max(old.action, new.action, key=lambda a: STRENGTH.get(a, 0))
    return Render(new.config, action, old.initial and new.initial)


def render(config: Any, action: str | None, *, initial: bool = False) -> None:
    """Record that ``config`` needs a render (``action``: the reason ``config_modified``
    gives; None for a new config)."""
    unit.record("render", config.pk, Render(config, action, initial), _merge)


def rendered(config: Any) -> None:
    """``config`` was rendered by its workflow: nothing more to do for it in this unit."""
    unit.current().discard("render", config.pk)
