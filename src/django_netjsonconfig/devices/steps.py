"""What the unit of work (``workflow.unit``) does for configs and device groups.

The model receivers record; these steps do, once per transaction:

- ``render``: a config needs a render (its NetJSON, variables, templates or device
  changed, or it was just created). Two records of one config in one unit are one
  render, with the strongest reason (``m2m_templates_changed`` over
  ``related_template_changed`` over ``config_changed``); a config created in the unit
  is rendered without ``config_modified``, with its initial templates if nothing gave
  it any.
- ``group_templates``: the templates of a group changed. Its devices follow at each
  change; ``group_templates_changed`` is sent once after commit, from the templates
  the group had before the transaction to those it has at its end (sortedm2m's
  ``set()``, a clear then an add, is one change).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import signals
from ..workflow import unit
from ..workflow.sending import send_on_commit
from . import configs, groups, relations
from .records import Render


def _render(records: dict[Any, Render]) -> None:
    for record in records.values():
        config = record.config
        if record.initial and not configs.ordered_templates(config):
            relations.insert_templates(config, configs.initial_templates(config))
        action = record.action or "config_changed"
        configs.refresh(config, action, signal=record.action is not None)


@dataclass
class GroupChange:
    group: Any
    old: list[Any]  # the group's templates before the transaction
    applied: list[Any] = field(default_factory=list)  # what its devices have now


def group_templates_changing(group: Any) -> None:
    """Before a change of the templates of ``group``: note them, once per transaction."""
    current = unit.current()
    if current.get("group_templates", group.pk) is None:
        templates = list(group.templates.all())
        unit.record("group_templates", group.pk, GroupChange(group, templates, templates))


def group_templates_changed(group: Any) -> None:
    """After a change of the templates of ``group``: its devices follow now."""
    change = unit.current().get("group_templates", group.pk)
    if change is None:
        return  # noted in a savepoint since rolled back, or never
    new = list(group.templates.all())
    if [t.pk for t in new] != [t.pk for t in change.applied]:
        groups.apply_templates(group, change.applied, new)
        # a new version: a savepoint rolled back returns to the one before
        unit.record("group_templates", group.pk, GroupChange(group, change.old, new))


def _send_group_changes(records: dict[Any, GroupChange]) -> None:
    for change in records.values():
        if [t.pk for t in change.old] != [t.pk for t in change.applied]:
            send_on_commit(
                signals.group_templates_changed,
                type(change.group),
                instance=change.group,
                templates=list(change.applied),
                old_templates=list(change.old),
            )


unit.register_step("render", _render)
unit.register_step("group_templates", _send_group_changes, after_commit=True)
