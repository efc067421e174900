"""Device groups: their templates and variables reach the configs of their devices."""

from __future__ import annotations

from typing import Any

from .. import signals
from ..apps import get_model
from ..workflow.sending import send_on_commit
from . import pending as fanout
from . import relations


def after_save(group: Any, created: bool) -> None:
    """A saved group: new variables reach its devices' configs (marked for a render)."""
    changed = set() if created else group.changed_fields()
    group.mark_saved()
    if "context" in changed:
        fanout.mark(get_model("config").objects.filter(device__group=group), "config_changed")


def apply_templates(group: Any, old_templates: list[Any], new_templates: list[Any]) -> bool:
    """Give the configs of the group's devices ``new_templates`` instead of
    ``old_templates`` (required ones stay) and mark them for a render; in a few
    queries whatever their number. Returns False when the lists are the same."""
    if [t.pk for t in old_templates] == [t.pk for t in new_templates]:
        return False
    members = get_model("config").objects.filter(device__group=group)
    gone = [t for t in old_templates if not t.required and t not in new_templates]
    relations.bulk_remove(members, gone)
    for position, template in enumerate(new_templates):
        relations.bulk_add(members, template, position)
    fanout.mark(members, "m2m_templates_changed")
    return True


def templates_changed(
    group: Any, old_templates: list[Any], new_templates: list[Any], *, signal: bool = True
) -> None:
    """Apply a change of the group's templates to its devices and send
    ``group_templates_changed`` after commit (when the lists differ).

    For a caller that changed the group's templates without the m2m manager; a change
    through it (``group.templates.set()``, the admin) reaches the devices by itself."""
    if apply_templates(group, old_templates, new_templates) and signal:
        send_templates_changed(group, old_templates, new_templates)


def send_templates_changed(group: Any, old_templates: list[Any], new_templates: list[Any]) -> None:
    send_on_commit(
        signals.group_templates_changed,
        type(group),
        instance=group,
        templates=list(new_templates),
        old_templates=list(old_templates),
    )
