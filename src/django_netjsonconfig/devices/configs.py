"""Configs: what a device's configuration is made of, its checksum and its status."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .. import signals
from ..apps import get_model
from ..base.config import AbstractConfig, truncate_reason
from ..polling import cache as pollcache
from ..registry import Registry
from ..rendering import context as context_service
from ..rendering.render import Rendered, RenderError
from ..workflow import unit
from ..workflow.sending import send_on_commit
from . import records, relations, rows
from .inputs import device_netjson as device_netjson
from .inputs import ordered_templates, render
from .inputs import preview as preview
from .inputs import sources as sources
from .inputs import validate as validate
from .inputs import variable_layers as variable_layers

#: Functions ``(config, templates)`` run by :func:`refresh` just before each render of a
#: saved config (``templates``: its ordered templates), on every path (services,
#: receivers, fan-out batches); one may raise ``RenderError``. The VPN clients are
#: synchronized with the templates here.
#:
#: A hook may have a ``needed`` attribute: a function ``(configs, templates_of)``
#: (``templates_of``: ``{config pk: ordered templates}``) giving the pks of the configs
#: it must run for, in a bounded number of queries whatever their number; the others
#: skip it (a fan-out batch asks once for the whole batch). A hook without it runs for
#: every config, and a new config is then rendered only once saved.
before_render = Registry("before-render hook")
before_render.register("vpn_clients", "django_netjsonconfig.vpn.clients.sync")

#: Hooks called with a config whose rendered output changed (when ``config_modified`` is
#: due), in its transaction: the connection package asks the device to update (filled by
#: ``wiring.connect``).
modified_hooks: list[Callable[[Any], None]] = []


# --- templates -------------------------------------------------------------------------
def default_templates(backend: str, group: Any = None) -> list[Any]:
    """Templates a new config of ``backend`` starts with: required, default, then the group's."""
    template_model = get_model("template")
    found = list(
        template_model.objects.filter(Q(default=True) | Q(required=True), backend=backend).order_by(
            "-required", "name"
        )
    )
    if group is not None:
        found += [t for t in group.templates.all() if t.backend == backend]
    unique = []
    for template in found:
        if template not in unique:
            unique.append(template)
    return unique


def check_required_kept(config: Any, new_templates: list[Any]) -> None:
    """Refuse a template list that drops one of the config's required templates."""
    required = {
        t.pk for t in get_model("template").objects.filter(required=True, backend=config.backend)
    }
    kept = {t.pk for t in new_templates}
    current = {t.pk for t in ordered_templates(config)}
    missing = (current & required) - kept
    if missing:
        names = sorted(t.name for t in get_model("template").objects.filter(pk__in=missing))
        raise ValidationError(
            {"templates": f"required templates cannot be removed: {', '.join(names)}"}
        )


def global_fingerprint() -> str:
    """What a render records of what it depends on besides the config itself (the global
    variables and the backends): this process's settings stamp (``context.settings_stamp``)."""
    return context_service.settings_stamp().text


# --- checksum and status -------------------------------------------------------------------
def hooks_for(
    configs: list[Any], templates_of: dict[Any, list[Any]]
) -> list[tuple[Any, set[Any] | None]]:
    """The before-render hooks for ``configs`` (``templates_of``: ``{pk: templates}``):
    ``[(hook, pks it must run for, or None: all)]``, asking each ``needed`` once."""
    out = []
    for _name, hook in before_render.items():
        needed = getattr(hook, "needed", None)
        out.append((hook, None if needed is None else set(needed(configs, templates_of))))
    return out


def prepare(
    config: Any, templates: list[Any], hooks: list[tuple[Any, set[Any] | None]]
) -> Rendered | RenderError:
    """Run the ``hooks`` (from :func:`hooks_for`) for ``config`` and render it with its
    ordered ``templates``: a ``Rendered``, or the ``RenderError`` that stopped it."""
    try:
        for hook, pks in hooks:
            if pks is None or config.pk in pks:
                hook(config, templates)
        return render(config, templates)
    except RenderError as exc:
        return exc


class Outcome(NamedTuple):
    fields: dict | None  # what to write (None: nothing)
    changed: bool  # the stored checksum changes
    modified: bool  # ... to a new rendered one: ``config_modified`` is due


def outcome(config: Any, result: Rendered | RenderError) -> Outcome:
    """What storing ``result`` (from :func:`prepare`) means for ``config`` as it was read."""
    stamp = context_service.settings_stamp()
    fingerprint = stamp.text
    previous_checksum = config.checksum_db
    if isinstance(result, RenderError):
        if previous_checksum is None and config.status == "error" and not config.render_pending:
            return Outcome(None, False, False)
        reason = truncate_reason(f"configuration cannot be rendered: {result.message}")
        fields: dict[str, Any] = {
            "status": "error",
            "error_reason": reason,
            "checksum_db": None,
            "archive": None,
            "context_fingerprint": fingerprint,
        }
        return Outcome(fields, previous_checksum is not None, False)
    if result.checksum == previous_checksum:
        if config.render_pending or not stamp.same_settings(config.context_fingerprint):
            return Outcome({"context_fingerprint": fingerprint}, False, False)
        return Outcome(None, False, False)
    fields = {
        "checksum_db": result.checksum,
        "archive": result.archive,
        "status": "modified",
        "error_reason": "",
        "context_fingerprint": fingerprint,
    }
    return Outcome(fields, True, True)


def refresh(
    config: Any,
    action: str = "config_changed",
    *,
    signal: bool = True,
    templates: list[Any] | None = None,
) -> bool:
    """Render ``config`` and store its checksum and archive.

    The status becomes ``modified`` only when the checksum changes; then
    ``config_modified`` is sent (unless ``signal`` is False, as on creation).
    A config that cannot be rendered gets status ``error`` with the reason.
    A pending re-render (``render_pending``) is cleared only if no newer one
    was requested meanwhile. Returns True when the stored checksum changed.
    ``templates``: its ordered templates, when the caller has them.
    """
    templates = ordered_templates(config) if templates is None else templates
    result = prepare(config, templates, hooks_for([config], {config.pk: templates}))
    return store_result(config, result, action, signal=signal)


def store_result(
    config: Any, result: Rendered | RenderError, action: str, *, signal: bool = True
) -> bool:
    """Store what :func:`prepare` gave for ``config`` (see :func:`refresh`), only if no
    newer render was requested since ``config`` was read; returns :func:`refresh`'s value.
    The signals and the poll cache follow the commit of the current transaction."""
    previous_status = config.status
    fields, changed, modified = outcome(config, result)
    if fields is None:
        return False
    if not _store(config, fields, previous_status, token=config.render_pending):
        return False
    if modified and signal:
        for hook in modified_hooks:
            hook(config)
        send_on_commit(
            signals.config_modified,
            type(config),
            instance=config,
            previous_status=previous_status,
            action=action,
            config=config,
            device=config.device,
        )
    return changed


def _store(
    config: Any, fields: dict[str, Any], previous_status: str, *, token: int | None = None
) -> bool:
    """Write ``fields``; with a render ``token``, only if no newer render was requested
    (and then clear the request). Returns False when a newer request won."""
    if token is not None:
        fields = dict(fields, render_pending=0)
    if not rows.update(config, fields, render_pending=token):
        return False
    for name, value in fields.items():
        setattr(config, name, value)
    if "checksum_db" in fields or "render_pending" in fields:
        pollcache.invalidate(config.device_id)
    if config.status != previous_status:
        send_on_commit(signals.config_status_changed, type(config), instance=config)
    return True


def set_status(config: Any, status: str, reason: str = "") -> bool:
    """Record the status a device reported."""
    previous = config.status
    reason = truncate_reason(reason) if status == "error" else ""
    if previous == status and config.error_reason == reason:
        return False
    _store(config, {"status": status, "error_reason": reason}, previous)
    return True


# --- saving ----------------------------------------------------------------------------------
@transaction.atomic
def save(
    config: Any,
    templates: list[Any] | None = None,
    *,
    created: bool | None = None,
    old_backend: str | None = None,
) -> Any:
    """Save ``config`` (and its ordered ``templates`` when given) and render it once.

    A new config starts with the default and group templates of its backend.
    Signals: on an existing config, ``config_backend_changed`` when the backend
    changed and ``config_modified`` when the rendered output changed. The save
    goes through the model receivers like any other (``old_backend`` is what the
    config was loaded with; kept for callers that pass it).
    """
    created = config._state.adding if created is None else created
    if not created and templates is not None:
        check_required_kept(config, templates)
    config.save()  # a changed backend: templates adjusted, config_backend_changed
    action = "config_changed"
    if created:
        config.templates.set(initial_templates(config, templates))
    elif templates is not None:
        if [t.pk for t in templates] != [t.pk for t in ordered_templates(config)]:
            config.templates.set(templates)
            action = "m2m_templates_changed"
    records.render(config, None if created else action)
    unit.settle()
    return config


def initial_templates(config: Any, chosen: Iterable[Any] | None = None) -> list[Any]:
    """Templates of a new config: the defaults when none are chosen, else the chosen
    ones in their order; the required and group templates of its backend in any case
    (first, unless they were chosen: then where the operator put them)."""
    group = config.device.group
    if chosen is None:
        found = default_templates(config.backend, group)
    else:
        chosen = list(chosen)
        template_model = get_model("template")
        forced = list(template_model.objects.filter(backend=config.backend, required=True))
        if group is not None:
            forced += [t for t in group.templates.all() if t.backend == config.backend]
        found = [t for t in forced if t not in chosen] + chosen
    unique = []
    for template in found:
        if template not in unique:
            unique.append(template)
    return unique


def inherited_fields(config_model: Any, device: Any) -> dict[str, Any]:
    """Values a new config takes from its device: the fields both models have that are
    not ours (an extender's ``organization``, for instance)."""
    ours = {f.name for f in AbstractConfig._meta.get_fields()} | {"templates", "vpn", "id"}
    device_fields = {f.name for f in device._meta.concrete_fields}
    return {
        f.name: getattr(device, f.name)
        for f in config_model._meta.concrete_fields
        if f.name not in ours and f.name in device_fields
    }


def create_for_device(device: Any, backend: str, templates: Iterable[Any] = ()) -> Any:
    """A new config for ``device``: default, group and the given templates."""
    return save_new(prepare_new(device, backend, templates))


@dataclass
class NewConfig:
    config: Any  # not saved
    templates: list[Any]  # in their order
    result: Rendered | RenderError | None  # from prepare(); None: rendered once saved


def prepare_new(device: Any, backend: str, templates: Iterable[Any] = ()) -> NewConfig:
    """A new config for ``device``, not saved, and nothing written: its templates (the
    default and group ones of ``backend``, then those of ``templates`` of ``backend``)
    and, unless a before-render hook needs it saved first, its render. A registration
    prepares it before it takes the write lock; :func:`save_new` saves it."""
    config_model = get_model("config")
    config = config_model(device=device, backend=backend, **inherited_fields(config_model, device))
    config.full_clean(exclude=["device"])
    chosen = initial_templates(config)
    for template in templates:
        if template.backend == backend and template not in chosen:
            chosen.append(template)
    hooks = hooks_for([config], {config.pk: chosen})
    if all(pks is not None and config.pk not in pks for _hook, pks in hooks):
        return NewConfig(config, chosen, prepare(config, chosen, []))
    return NewConfig(config, chosen, None)


def save_new(new: NewConfig) -> Any:
    """Save a config from :func:`prepare_new` with its templates and its render: one
    ``INSERT`` for the config (checksum and archive included), one for its templates;
    a config a hook needs saved is rendered now. No ``config_modified`` (a creation)."""
    config = new.config
    previous_status = config.status
    if new.result is not None:
        for name, value in (outcome(config, new.result).fields or {}).items():
            setattr(config, name, value)
    with unit.atomic():
        config.save(force_insert=True)
        relations.insert_templates(config, new.templates)
        if new.result is None:
            records.render(config, None)
            unit.settle()
            return config
        records.rendered(config)
    pollcache.invalidate(config.device_id)
    if config.status != previous_status:
        send_on_commit(signals.config_status_changed, type(config), instance=config)
    return config


@transaction.atomic
def add_templates(
    config: Any, templates: list[Any], *, action: str = "m2m_templates_changed", signal: bool = True
) -> bool:
    """Append ``templates`` (those it lacks) to ``config`` and render it; returns False
    when it had them all."""
    current = ordered_templates(config)
    new = [t for t in templates if t not in current]
    if not new:
        return False
    config.templates.add(*new)
    records.render(config, action if signal else None)
    unit.settle()
    return True


def send_backend_changed(config: Any, old_backend: str, *, adjust_templates: bool = True) -> None:
    """After a backend change: keep only templates of the new backend, add its required
    and group templates, and send ``config_backend_changed``."""
    if adjust_templates:
        current = ordered_templates(config)
        kept = [t for t in current if t.backend == config.backend]
        wanted = initial_templates(config, kept)
        if [t.pk for t in wanted] != [t.pk for t in current]:
            config.templates.set(wanted)
    send_on_commit(
        signals.config_backend_changed,
        type(config),
        instance=config,
        old_backend=old_backend,
        backend=config.backend,
    )
