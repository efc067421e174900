"""Bulk actions over many devices: change their group, add or remove templates, delete.

Each action works on a list of device ids in a few queries per batch, whatever
the batch's size: template assignments are written in bulk (``relations``) and
the configs concerned are marked for re-rendering at once (``fanout.mark``),
never saved one by one.

:func:`submit` runs an action over up to ``NETJSONCONFIG_BULK_SYNC_LIMIT``
devices at once, in the request. Over more, it records a ``BulkJob`` (the ids,
the parameters) and runs it in the background, one batch of that size per
transaction, the way fan-out runs (``NETJSONCONFIG_FANOUT``: a Celery task, a
thread of the web process, or inline: ``fleet.jobs``). The job's ``done`` counter is
the progress the admin shows; a job taken over after a crash resumes there.

With django-reversion, each device changed gets a version of its own (and a
version of how it was before, if it had none), so that one device can be
reverted without the others; a deleted device is recoverable.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import queue, signals
from ..apps import get_model
from ..devices import relations
from ..history import versions as history
from ..settings import app_settings
from ..workflow.sending import send_on_commit
from . import fanout, jobs
from .extra import EXTRA, after_batch

if TYPE_CHECKING:
    from ..base.job import AbstractBulkJob

logger = logging.getLogger(__name__)

ACTIONS = ("change_group", "add_templates", "remove_templates", "delete")


@dataclass
class Outcome:
    """What :func:`submit` did: ``counts`` at once, or a background ``job``."""

    action: str
    params: dict
    total: int
    counts: dict = field(default_factory=dict)
    job: "AbstractBulkJob | None" = None

    @property
    def message(self) -> str:
        if self.job is not None:
            return ngettext(
                "%(action)s: %(count)d device, running in the background.",
                "%(action)s: %(count)d devices, running in the background.",
                self.total,
            ) % {"action": action_label(self.action), "count": self.total}
        return describe(self.action, self.params, self.counts)


def action_label(action: str) -> str:
    labels = {
        "change_group": _("Change group"),
        "add_templates": _("Add templates"),
        "remove_templates": _("Remove templates"),
        "delete": _("Delete"),
    }
    if action in EXTRA:
        return str(EXTRA[action].label)
    return labels.get(action, action)


# --- parameters --------------------------------------------------------------------------------
def validate(action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Check ``params`` of ``action``; returns them with the objects they name.

    Raises a ``ValidationError`` whose message says what is wrong.
    """
    if action in EXTRA:
        return dict(EXTRA[action].validate(params))
    if action not in ACTIONS:
        raise ValidationError(_("Unknown bulk action: %(action)s.") % {"action": action})
    resolved: dict[str, Any] = {}
    if action == "change_group":
        group_id = params.get("group")
        resolved["group"] = None
        if group_id:
            group = get_model("devicegroup").objects.filter(pk=group_id).first()
            if group is None:
                raise ValidationError(_("The chosen group does not exist (any more)."))
            resolved["group"] = group
    elif action in ("add_templates", "remove_templates"):
        wanted = [str(pk) for pk in params.get("templates") or ()]
        if not wanted:
            raise ValidationError(_("Choose at least one template."))
        found = {str(t.pk): t for t in get_model("template").objects.filter(pk__in=wanted)}
        missing = [pk for pk in wanted if pk not in found]
        if missing:
            raise ValidationError(
                _("Some chosen templates do not exist (any more): %(ids)s.")
                % {"ids": ", ".join(missing)}
            )
        templates = [found[pk] for pk in dict.fromkeys(wanted)]
        if action == "remove_templates":
            required = sorted(t.name for t in templates if t.required)
            if required:
                raise ValidationError(
                    _("Required templates cannot be removed: %(names)s.")
                    % {"names": ", ".join(required)}
                )
        resolved["templates"] = templates
    return resolved


def serialize_params(action: str, resolved: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON a job stores for the ``resolved`` parameters of ``action``."""
    if action in EXTRA:
        return dict(EXTRA[action].serialize(resolved))
    if action == "change_group":
        group = resolved.get("group")
        return {"group": str(group.pk) if group else None}
    if action in ("add_templates", "remove_templates"):
        return {"templates": [str(t.pk) for t in resolved["templates"]]}
    return {}


def describe(action: str, params: Mapping[str, Any], counts: Mapping[str, int]) -> str:
    """A sentence for the operator about what an action did."""
    if action in EXTRA:
        return str(EXTRA[action].describe(params, counts))
    changed, skipped = counts.get("changed", 0), counts.get("skipped", 0)
    names = ", ".join(f'"{t.name}"' for t in params.get("templates") or ())
    if action == "change_group":
        group = params.get("group")
        text = ngettext(
            "%(count)d device moved to %(group)s.",
            "%(count)d devices moved to %(group)s.",
            changed,
        ) % {"count": changed, "group": f'group "{group}"' if group else _("no group")}
        extra = ngettext("%(count)d was already there.", "%(count)d were already there.", skipped)
    elif action == "add_templates":
        text = ngettext(
            "Templates %(names)s added to %(count)d configuration.",
            "Templates %(names)s added to %(count)d configurations.",
            changed,
        ) % {"names": names, "count": changed}
        extra = ngettext(
            "%(count)d device skipped: it has them already, has no configuration, "
            "or its backend is another one.",
            "%(count)d devices skipped: they have them already, have no configuration, "
            "or their backend is another one.",
            skipped,
        )
    elif action == "remove_templates":
        text = ngettext(
            "Templates %(names)s removed from %(count)d configuration.",
            "Templates %(names)s removed from %(count)d configurations.",
            changed,
        ) % {"names": names, "count": changed}
        extra = ngettext(
            "%(count)d device did not use them.", "%(count)d devices did not use them.", skipped
        )
    else:
        text = ngettext("%(count)d device deleted.", "%(count)d devices deleted.", changed) % {
            "count": changed
        }
        extra = ngettext("%(count)d was already gone.", "%(count)d were already gone.", skipped)
    if skipped:
        text = f"{text} {extra % {'count': skipped}}"
    return text


def comment_for(action: str, params: Mapping[str, Any]) -> str:
    """The comment of the versions a bulk action saves."""
    names = ", ".join(f'"{t.name}"' for t in params.get("templates") or ())
    if action == "change_group":
        group = params.get("group")
        if group is None:
            return _("Bulk action: group removed.")
        return _('Bulk action: group changed to "%(group)s".') % {"group": group}
    if action == "add_templates":
        return _("Bulk action: templates %(names)s added.") % {"names": names}
    if action == "remove_templates":
        return _("Bulk action: templates %(names)s removed.") % {"names": names}
    return _("Bulk action: %(action)s.") % {"action": action_label(action)}


# --- the actions, on one batch of device ids -----------------------------------------------------
def apply(
    action: str,
    device_ids: Iterable[Any],
    resolved: Mapping[str, Any],
    *,
    user: Any = None,
    job: Any = None,
) -> dict[str, int]:
    """Run ``action`` on ``device_ids`` (one batch, in one transaction); returns counts.

    ``resolved`` are the parameters as :func:`validate` returns them.
    """
    with transaction.atomic():
        if action in EXTRA:
            return dict(EXTRA[action].apply(list(device_ids), resolved, user, job))
        return OPERATIONS[action](list(device_ids), resolved, user)


def _send(signal: Signal, sender: Any, **kwargs: Any) -> None:
    send_on_commit(signal, sender, **kwargs)


def _record(device_ids: list[Any], action: str, params: Mapping[str, Any], user: Any) -> None:
    """Versions of the devices (and configs) as the action left them, one revision each."""
    history.snapshot_devices(device_ids, comment_for(action, params), user=user)


def _baseline(device_ids: list[Any], user: Any) -> None:
    """A version of how the devices were before, for those that have none."""
    device_model = get_model("device")
    if history.is_versioned(device_model):
        missing = history.unversioned(device_model, device_ids)
        if missing:
            history.snapshot_devices(missing, _("State before a bulk action."), user=user)


def change_group(device_ids: list[Any], params: Mapping[str, Any], user: Any) -> dict[str, int]:
    group = params.get("group")
    device_model, config_model = get_model("device"), get_model("config")
    rows = list(
        device_model.objects.filter(pk__in=device_ids)
        .exclude(group=group)
        .values_list("pk", "group_id")
    )
    counts = {"changed": len(rows), "skipped": len(device_ids) - len(rows)}
    if not rows:
        return counts
    moved = [pk for pk, _old in rows]
    _baseline(moved, user)
    by_old_group: defaultdict[Any, list[Any]] = defaultdict(list)
    for pk, old_group_id in rows:
        by_old_group[old_group_id].append(pk)
    device_model.objects.filter(pk__in=moved).update(group=group, modified=timezone.now())
    new_templates = list(group.templates.all()) if group is not None else []
    old_groups = get_model("devicegroup").objects.filter(pk__in=[g for g in by_old_group if g])
    templates_changed = bool(new_templates)
    for old_group in old_groups.prefetch_related("templates"):
        gone = [t for t in old_group.templates.all() if not t.required and t not in new_templates]
        members = config_model.objects.filter(device_id__in=by_old_group[old_group.pk])
        templates_changed |= bool(relations.bulk_remove(members, gone))
    members = config_model.objects.filter(device_id__in=moved)
    position = _next_position(members)
    for offset, template in enumerate(new_templates):
        relations.bulk_add(members, template, position + offset)
    fanout.mark(members, "m2m_templates_changed" if templates_changed else "config_changed")
    old_group_of = dict(rows)
    for device in device_model.objects.filter(pk__in=moved):
        _send(
            signals.device_group_changed,
            device_model,
            instance=device,
            group_id=device.group_id,
            old_group_id=old_group_of[device.pk],
        )
    _record(moved, "change_group", params, user)
    return counts


def _next_position(configs: QuerySet[Any]) -> int:
    """The position after the last template of ``configs`` (for ``relations.bulk_add``)."""
    field_ = get_model("config")._meta.get_field("templates")
    through, source = field_.remote_field.through, field_.m2m_field_name()
    top = through.objects.filter(**{f"{source}__in": configs.values("pk")}).aggregate(
        top=Max("sort_value")
    )["top"]
    return 0 if top is None or top < relations.APPEND_BASE else top - relations.APPEND_BASE + 1


def add_templates(device_ids: list[Any], params: Mapping[str, Any], user: Any) -> dict[str, int]:
    templates = params["templates"]
    config_model = get_model("config")
    members = config_model.objects.filter(device_id__in=device_ids)
    lacking: set[Any] = set()
    for template in templates:
        lacking.update(
            members.filter(backend=template.backend)
            .exclude(templates=template)
            .values_list("pk", flat=True)
        )
    if lacking:
        changed = config_model.objects.filter(pk__in=lacking)
        _baseline(list(changed.values_list("device_id", flat=True)), user)
        position = _next_position(changed)
        for offset, template in enumerate(templates):
            relations.bulk_add(changed, template, position + offset)
        fanout.mark(changed, "m2m_templates_changed")
        _record(list(changed.values_list("device_id", flat=True)), "add_templates", params, user)
    return {"changed": len(lacking), "skipped": len(device_ids) - len(lacking)}


def remove_templates(device_ids: list[Any], params: Mapping[str, Any], user: Any) -> dict[str, int]:
    templates = params["templates"]
    config_model = get_model("config")
    using = set(
        config_model.objects.filter(device_id__in=device_ids, templates__in=templates)
        .values_list("pk", flat=True)
        .distinct()
    )
    if using:
        changed = config_model.objects.filter(pk__in=using)
        device_ids_changed = list(changed.values_list("device_id", flat=True))
        _baseline(device_ids_changed, user)
        relations.bulk_remove(changed, templates)
        fanout.mark(changed, "m2m_templates_changed")
        _record(device_ids_changed, "remove_templates", params, user)
    return {"changed": len(using), "skipped": len(device_ids) - len(using)}


def delete(device_ids: list[Any], params: Mapping[str, Any], user: Any) -> dict[str, int]:
    device_model = get_model("device")
    devices = device_model.objects.filter(pk__in=device_ids)
    history.snapshot_devices(device_ids, _("Deleted (bulk action)."), user=user)
    with history.snapshots_taken():
        _total, per_model = devices.delete()
    deleted = per_model.get(device_model._meta.label, 0)
    return {"changed": deleted, "skipped": len(device_ids) - deleted}


OPERATIONS = {
    "change_group": change_group,
    "add_templates": add_templates,
    "remove_templates": remove_templates,
    "delete": delete,
}


# --- submitting --------------------------------------------------------------------------------
job_model = jobs.job_model
start = jobs.start


def unfinished_jobs() -> list[tuple[str]]:
    """The jobs for the task ``bulk_job`` (the added actions have tasks of their own)."""
    return jobs.unfinished(exclude=EXTRA)


def submit(
    action: str, queryset: QuerySet[Any], params: dict[str, Any], *, user: Any = None
) -> Outcome:
    """Run ``action`` on the devices of ``queryset`` now, or as a background job when
    they are more than ``NETJSONCONFIG_BULK_SYNC_LIMIT``. Returns an :class:`Outcome`.

    ``params`` are the JSON parameters (``{"group": id}``, ``{"templates": [ids]}``);
    a ``ValidationError`` says what is wrong with them.
    """
    resolved = validate(action, params)
    device_ids = [str(pk) for pk in queryset.order_by().values_list("pk", flat=True)]
    if not device_ids:
        raise ValidationError(_("No devices were selected."))
    limit = max(1, int(app_settings.BULK_SYNC_LIMIT))
    model = job_model()
    if (len(device_ids) <= limit or model is None) and action not in EXTRA:
        counts = {"changed": 0, "skipped": 0}
        for first in range(0, len(device_ids), limit):
            batch = apply(action, device_ids[first : first + limit], resolved, user=user)
            for key, value in batch.items():
                counts[key] = counts.get(key, 0) + value
        return Outcome(action, resolved, len(device_ids), counts=counts)
    job = model.objects.create(
        action=action,
        params=serialize_params(action, resolved),
        device_ids=device_ids,
        total=len(device_ids),
        user=user if getattr(user, "is_authenticated", False) else None,
    )
    queue.enqueue(EXTRA[action].task, job.pk) if action in EXTRA else start(job)
    return Outcome(action, resolved, len(device_ids), job=job)


def run_job(job_id: object) -> Any:
    """Run (or resume) a job, batch by batch; returns it. Idempotent once finished."""
    model = job_model()
    action = model and model.objects.filter(pk=job_id).values_list("action", flat=True).first()
    after = after_batch if getattr(EXTRA.get(action or ""), "after", None) else None
    return jobs.run(job_id, validate=validate, apply=apply, describe=describe, after=after)


def wait_for_threads(timeout: float | None = None) -> bool:
    """Block until the background jobs of this process are finished (tests)."""
    return jobs.wait(timeout)
