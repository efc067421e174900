"""Device groups: their templates and variables reach the configs of their devices."""

from functools import partial

from django.db import transaction

from .. import signals
from ..apps import get_model
from ..fleet import fanout
from . import relations


def group_configs(group):
    return get_model("config").objects.filter(device__group=group).select_related("device")


def after_save(group, created):
    changed = set() if created else group.changed_fields()
    group.mark_saved()
    if "context" in changed:
        fanout.mark(get_model("config").objects.filter(device__group=group), "config_changed")


def templates_changed(group, old_templates, new_templates, *, reported_old=None, signal=True):
    """Apply a change of the group's templates to its devices and send the signal.

    ``reported_old`` is the ``old_templates`` of the signal when it differs from
    the list the devices have now (after the clear of sortedm2m's ``set()``).
    """
    reported_old = old_templates if reported_old is None else reported_old
    if [t.pk for t in old_templates] != [t.pk for t in new_templates]:
        members = get_model("config").objects.filter(device__group=group)
        gone = [t for t in old_templates if not t.required and t not in new_templates]
        relations.bulk_remove(members, gone)
        for position, template in enumerate(new_templates):
            relations.bulk_add(members, template, position)
        fanout.mark(members, "m2m_templates_changed")
    if signal and [t.pk for t in reported_old] != [t.pk for t in new_templates]:
        send_templates_changed(group, reported_old, new_templates)


def send_templates_changed(group, old_templates, new_templates):
    transaction.on_commit(
        partial(
            signals.group_templates_changed.send,
            sender=type(group),
            instance=group,
            templates=list(new_templates),
            old_templates=list(old_templates),
        )
    )
