"""One command sent to many devices: the bulk action ``command`` (a background job).

The job (``fleet.jobs``) goes through the devices batch by batch. In each batch's
transaction, :func:`apply` creates a ``Command`` for every device with an enabled
connection (``bulk_job`` set, created in bulk: no single-command task is started for
them) and counts the others as skipped. Once the batch is committed, :func:`after` runs
the batch's commands through a pool of ``NETJSONCONFIG_PUSH_CONCURRENCY`` threads (the
bound of pushes) and counts their results. A job resumed after a lost worker creates
no command twice and runs those still waiting. The commands of a job still running are
not the sweeper's (``tasks.commands_in_progress``): the job runs them.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ..apps import get_model
from ..fleet import jobs
from ..fleet.extra import ExtraAction, register_action
from ..settings import app_settings
from . import commands

NAME = "command"
#: the task that runs these jobs: threaded, so never in a web request, even inline
TASK = "command_job"


def validate(params: Mapping[str, Any]) -> dict[str, Any]:
    """``{"type": ..., "input": ...}`` checked against the type's schema (a secret
    stays sealed: it is unsealed only to be checked)."""
    if jobs.job_model() is None:
        raise ValidationError(_("Sending a command to many devices needs the BulkJob model."))
    type_ = params.get("type")
    if not isinstance(type_, str) or type_ not in dict(commands.choices()):
        raise ValidationError(_("Unknown command type: %(type)s.") % {"type": type_})
    value = params.get("input")
    try:
        commands.clean_input(type_, value)
    except ValidationError as exc:
        raise ValidationError(" ".join(exc.messages)) from None
    return {"type": type_, "input": value}


def serialize(resolved: Mapping[str, Any]) -> dict[str, Any]:
    """What the job keeps: the input with its secrets sealed."""
    return {"type": resolved["type"], "input": commands.sealed_input(resolved["input"])}


def apply(
    device_ids: list[Any], resolved: Mapping[str, Any], user: Any, job: Any
) -> dict[str, int]:
    model = get_model("command")
    reachable = set(
        get_model("deviceconnection")
        .objects.filter(device_id__in=device_ids, enabled=True)
        .values_list("device_id", flat=True)
    )
    already = set(
        model.objects.filter(bulk_job=job.pk, device_id__in=device_ids).values_list(
            "device_id", flat=True
        )
    )
    sealed = commands.sealed_input(resolved["input"])
    user = user if getattr(user, "pk", None) else None
    model.objects.bulk_create(
        [
            model(
                device_id=pk,
                type=resolved["type"],
                input=sealed,
                created_by=user,
                bulk_job=job.pk,
            )
            for pk in {str(d) for d in reachable} - {str(d) for d in already}
        ]
    )
    skipped = len({str(d) for d in device_ids} - {str(d) for d in reachable})
    return {"skipped": skipped} if skipped else {}


def _run(command_id: Any) -> str | None:
    try:
        return commands.run(command_id)
    finally:
        connections.close_all()


def after(device_ids: list[Any], resolved: Mapping[str, Any], job: Any) -> dict[str, int]:
    """Run the batch's commands still waiting, a bounded number at a time."""
    waiting = list(
        get_model("command")
        .objects.filter(bulk_job=job.pk, device_id__in=device_ids, status="in-progress")
        .values_list("pk", flat=True)
    )
    counts: dict[str, int] = {}
    if not waiting:
        return counts
    workers = max(1, min(int(app_settings.PUSH_CONCURRENCY), len(waiting)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="netjsonconfig-cmd") as pool:
        for status in pool.map(_run, waiting):
            key = status if status in ("success", "failed") else "failed"
            counts[key] = counts.get(key, 0) + 1
    if job.device_ids and str(job.device_ids[-1]) in {str(d) for d in device_ids}:
        forget_secrets(job)
    return counts


def forget_secrets(job: Any) -> None:
    """After the last batch: the job keeps its input with the secrets masked, as the
    commands do once they ran."""
    value = (job.params or {}).get("input")
    if isinstance(value, dict) and any(k in commands.SECRET_INPUT for k in value):
        params = dict(job.params, input=commands.masked_input(value))
        type(job).objects.filter(pk=job.pk).update(params=params)


def describe(params: Mapping[str, Any], counts: Mapping[str, int]) -> str:
    success, failed = counts.get("success", 0), counts.get("failed", 0)
    skipped = counts.get("skipped", 0)
    text = ngettext(
        "%(ok)d command succeeded, %(failed)d failed.",
        "%(ok)d commands succeeded, %(failed)d failed.",
        success,
    ) % {"ok": success, "failed": failed}
    if skipped:
        text += " " + ngettext(
            "%(count)d device skipped: it has no enabled connection.",
            "%(count)d devices skipped: they have no enabled connection.",
            skipped,
        ) % {"count": skipped}
    return text


ACTION = ExtraAction(
    label=gettext_lazy("Send a command"),
    validate=validate,
    apply=apply,
    describe=describe,
    serialize=serialize,
    after=after,
    task=TASK,
)


def unfinished() -> list[tuple[str]]:
    """The sweeper's finder of the task: the jobs of this action not finished."""
    return jobs.unfinished(actions=[NAME])


def register() -> None:
    register_action(NAME, ACTION)


def results(job: Any) -> list[dict[str, Any]]:
    """Per device of ``job``, in the job's order: the device (None once deleted), its
    command (None: skipped, or not reached yet)."""
    device_ids = [str(pk) for pk in job.device_ids]
    devices = {
        str(d.pk): d for d in get_model("device").objects.filter(pk__in=device_ids).only("name")
    }
    sent = {
        str(c.device_id): c
        for c in get_model("command").objects.filter(bulk_job=job.pk).defer("output")
    }
    return [
        {"device_id": pk, "device": devices.get(pk), "command": sent.get(pk)} for pk in device_ids
    ]
