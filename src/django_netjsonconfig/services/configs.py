"""Configs: what a device's configuration is made of, its checksum and its status."""

import hashlib
import json
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from .. import signals
from ..apps import get_model
from ..base.config import AbstractConfig, truncate_reason
from ..registry import Registry
from ..settings import app_settings
from . import context as context_service
from . import pollcache, vpnclients
from .batch import managed
from .rendering import RenderError, Source, backend_class, render_archive, render_text

#: Functions ``(config, templates)`` run by :func:`refresh` just before each render of a
#: saved config (``templates``: its ordered templates), on every path (services,
#: receivers, fan-out batches); one may raise ``RenderError``. The VPN clients are
#: synchronized with the templates here.
before_render = Registry("before-render hook")
before_render.register("vpn_clients", "django_netjsonconfig.services.vpnclients.sync")


def _send_on_commit(signal, sender, **kwargs):
    transaction.on_commit(partial(signal.send, sender=sender, **kwargs))


# --- inputs of a render ---------------------------------------------------------------
def ordered_templates(config):
    if config.pk is None:
        return []
    return list(config.templates.all())


def device_netjson(config, device=None):
    """The device's own NetJSON, with ``general.hostname`` set from the device name."""
    device = device or config.device
    netjson = dict(config.config or {}) if isinstance(config.config, dict) else {}
    try:
        schema = backend_class(config.backend).schema or {}
    except RenderError:
        schema = {}
    if "general" in schema.get("properties", {}):
        general = dict(netjson.get("general") or {})
        if not general.get("hostname") and device.name:
            general["hostname"] = device.name.replace(":", "-")
        netjson["general"] = general
    return netjson


def sources(config, templates=None, device=None):
    templates = ordered_templates(config) if templates is None else templates
    out = [Source(f'template "{t.name}"', t.config or {}) for t in templates]
    out.append(Source("device configuration", device_netjson(config, device)))
    return out


def variable_layers(config, templates=None, device=None, group=None):
    device = device or config.device
    templates = ordered_templates(config) if templates is None else templates
    return context_service.layers(device, templates, config.context, group, config=config)


def render(config, templates=None, device=None, group=None):
    """Archive and checksum of ``config`` as it is now (saved or not)."""
    templates = ordered_templates(config) if templates is None else templates
    context = context_service.merge(variable_layers(config, templates, device, group))
    return render_archive(config.backend, sources(config, templates, device), context)


def preview(config, templates=None, device=None, group=None):
    templates = ordered_templates(config) if templates is None else templates
    context = context_service.merge(variable_layers(config, templates, device, group))
    return render_text(config.backend, sources(config, templates, device), context)


def validate(config, templates=None, device=None, group=None, field="config"):
    """Raise a Django ``ValidationError`` on ``field`` if the config cannot render."""
    templates = ordered_templates(config) if templates is None else templates
    bad = [t.name for t in templates if t.backend != config.backend]
    if bad:
        raise ValidationError(
            {"templates": f"template backend does not match the config backend: {', '.join(bad)}"}
        )
    vpnclients.check(config, templates)
    try:
        render(config, templates, device, group)
    except RenderError as exc:
        raise ValidationError({field: exc.message}) from None


# --- templates -------------------------------------------------------------------------
def default_templates(backend, group=None):
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


def check_required_kept(config, new_templates):
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


def global_fingerprint():
    """A short hash of what every render depends on besides the config itself:
    the global variables and the backends."""

    def compute():
        data = json.dumps(
            [app_settings.CONTEXT, [list(b) for b in app_settings.BACKENDS]],
            sort_keys=True,
            default=str,
        )
        return hashlib.sha1(data.encode()).hexdigest()[:16]

    return app_settings.cached("global_fingerprint", compute)


# --- checksum and status -------------------------------------------------------------------
def refresh(config, action="config_changed", *, signal=True):
    """Render ``config`` and store its checksum and archive.

    The status becomes ``modified`` only when the checksum changes; then
    ``config_modified`` is sent (unless ``signal`` is False, as on creation).
    A config that cannot be rendered gets status ``error`` with the reason.
    A pending re-render (``render_pending``) is cleared only if no newer one
    was requested meanwhile. Returns True when the stored checksum changed.
    """
    token = config.render_pending
    previous_status = config.status
    previous_checksum = config.checksum_db
    fingerprint = global_fingerprint()
    try:
        templates = ordered_templates(config)
        for _name, hook in before_render.items():
            hook(config, templates)
        rendered = render(config, templates)
    except RenderError as exc:
        reason = truncate_reason(f"configuration cannot be rendered: {exc.message}")
        fields = {
            "status": "error",
            "error_reason": reason,
            "checksum_db": None,
            "archive": None,
            "context_fingerprint": fingerprint,
        }
        if previous_checksum is None and previous_status == "error" and not token:
            return False
        return _store(config, fields, previous_status, token=token) and (
            previous_checksum is not None
        )
    if rendered.checksum == previous_checksum:
        if token or config.context_fingerprint != fingerprint:
            _store(config, {"context_fingerprint": fingerprint}, previous_status, token=token)
        return False
    fields = {
        "checksum_db": rendered.checksum,
        "archive": rendered.archive,
        "status": "modified",
        "error_reason": "",
        "context_fingerprint": fingerprint,
    }
    if not _store(config, fields, previous_status, token=token):
        return False
    if signal:
        _send_on_commit(
            signals.config_modified,
            type(config),
            instance=config,
            previous_status=previous_status,
            action=action,
            config=config,
            device=config.device,
        )
    return True


def _store(config, fields, previous_status, *, token=None):
    """Write ``fields``; with a render ``token``, only if no newer render was requested
    (and then clear the request). Returns False when a newer request won."""
    queryset = type(config).objects.filter(pk=config.pk)
    if token is not None:
        queryset = queryset.filter(render_pending=token)
        fields = dict(fields, render_pending=0)
    if not queryset.update(**fields):
        return False
    for name, value in fields.items():
        setattr(config, name, value)
    if "checksum_db" in fields or "render_pending" in fields:
        pollcache.invalidate(config.device_id)
    if config.status != previous_status:
        _send_on_commit(signals.config_status_changed, type(config), instance=config)
    return True


def set_status(config, status, reason=""):
    """Record the status a device reported."""
    previous = config.status
    reason = truncate_reason(reason) if status == "error" else ""
    if previous == status and config.error_reason == reason:
        return False
    _store(config, {"status": status, "error_reason": reason}, previous)
    return True


# --- saving ----------------------------------------------------------------------------------
@transaction.atomic
def save(config, templates=None, *, created=None, old_backend=None):
    """Save ``config`` (and its ordered ``templates`` when given) and render it once.

    A new config starts with the default and group templates of its backend.
    Signals: on an existing config, ``config_backend_changed`` when the backend
    changed and ``config_modified`` when the rendered output changed.
    """
    created = config._state.adding if created is None else created
    if old_backend is None and not created:
        old_backend = config.loaded_value("backend")
    with managed():
        if not created and templates is not None:
            check_required_kept(config, templates)
        config.save()
        if created:
            config.templates.set(initial_templates(config, templates))
        elif templates is not None:
            old = [t.pk for t in ordered_templates(config)]
            if [t.pk for t in templates] != old:
                config.templates.set(templates)
                action = "m2m_templates_changed"
            else:
                action = "config_changed"
        if old_backend and old_backend != config.backend and not created:
            send_backend_changed(config, old_backend, adjust_templates=templates is None)
    if created:
        refresh(config, signal=False)
    else:
        refresh(config, action if templates is not None else "config_changed")
    return config


def initial_templates(config, chosen=None):
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


def inherited_fields(config_model, device):
    """Values a new config takes from its device: the fields both models have that are
    not ours (an extender's ``organization``, for instance)."""
    ours = {f.name for f in AbstractConfig._meta.get_fields()} | {"templates", "vpn", "id"}
    device_fields = {f.name for f in device._meta.concrete_fields}
    return {
        f.name: getattr(device, f.name)
        for f in config_model._meta.concrete_fields
        if f.name not in ours and f.name in device_fields
    }


def create_for_device(device, backend, templates=()):
    """A new config for ``device``: default, group and the given templates."""
    config_model = get_model("config")
    config = config_model(device=device, backend=backend, **inherited_fields(config_model, device))
    config.full_clean(exclude=["device"])
    save(config, created=True)
    extra = [t for t in templates if t.backend == backend]
    if extra:
        add_templates(config, extra, action="m2m_templates_changed", signal=False)
    return config


def add_templates(config, templates, *, action="m2m_templates_changed", signal=True):
    current = ordered_templates(config)
    new = [t for t in templates if t not in current]
    if not new:
        return False
    with managed():
        config.templates.add(*new)
    return refresh(config, action, signal=signal)


def send_backend_changed(config, old_backend, *, adjust_templates=True):
    """After a backend change: keep only templates of the new backend, add its required
    and group templates, and send ``config_backend_changed``."""
    if adjust_templates:
        current = ordered_templates(config)
        kept = [t for t in current if t.backend == config.backend]
        wanted = initial_templates(config, kept)
        if [t.pk for t in wanted] != [t.pk for t in current]:
            with managed():
                config.templates.set(wanted)
    _send_on_commit(
        signals.config_backend_changed,
        type(config),
        instance=config,
        old_backend=old_backend,
        backend=config.backend,
    )
