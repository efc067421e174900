"""The inputs of a config's render: its ordered templates, its own NetJSON, the
variables; and the render, preview and validation of a config as it is now (saved or
not). ``devices.configs`` gives them under the same names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError

from ..rendering import context as context_service
from ..rendering.render import (
    Rendered,
    RenderError,
    Source,
    backend_class,
    render_archive,
    render_text,
)

#: Functions ``(config, templates)`` that raise ``ValidationError`` when the config
#: cannot have these templates (the VPN clients' addresses and identifiers: filled by
#: ``django_netjsonconfig.wiring`` when the app starts)
config_checks: list[Callable[[Any, list[Any]], None]] = []


def ordered_templates(config: Any) -> list[Any]:
    """The templates of a saved ``config`` in their order (ties, which bulk additions can
    make, in the order they were added: as ``relations.ordered_templates_of`` gives them)."""
    if config.pk is None:
        return []
    manager = config.templates
    if "templates" in getattr(config, "_prefetched_objects_cache", {}):
        return list(manager.all())
    table = manager.through._meta.db_table
    pk = manager.through._meta.pk.column
    return list(manager.all().extra(order_by=[f"{table}.sort_value", f"{table}.{pk}"]))


def device_netjson(config: Any, device: Any = None) -> dict[str, Any]:
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


def sources(config: Any, templates: list[Any] | None = None, device: Any = None) -> list[Source]:
    templates = ordered_templates(config) if templates is None else templates
    out = [Source(f'template "{t.name}"', t.config or {}) for t in templates]
    out.append(Source("device configuration", device_netjson(config, device)))
    return out


def variable_layers(
    config: Any, templates: list[Any] | None = None, device: Any = None, group: Any = None
) -> Any:
    device = device or config.device
    templates = ordered_templates(config) if templates is None else templates
    return context_service.layers(device, templates, config.context, group, config=config)


def render(
    config: Any, templates: list[Any] | None = None, device: Any = None, group: Any = None
) -> Rendered:
    """Archive and checksum of ``config`` as it is now (saved or not)."""
    templates = ordered_templates(config) if templates is None else templates
    context = context_service.merge(variable_layers(config, templates, device, group))
    return render_archive(config.backend, sources(config, templates, device), context)


def preview(
    config: Any, templates: list[Any] | None = None, device: Any = None, group: Any = None
) -> str:
    templates = ordered_templates(config) if templates is None else templates
    context = context_service.merge(variable_layers(config, templates, device, group))
    return render_text(config.backend, sources(config, templates, device), context)


def validate(
    config: Any,
    templates: list[Any] | None = None,
    device: Any = None,
    group: Any = None,
    field: str = "config",
) -> None:
    """Raise a Django ``ValidationError`` on ``field`` if the config cannot render."""
    templates = ordered_templates(config) if templates is None else templates
    bad = [t.name for t in templates if t.backend != config.backend]
    if bad:
        raise ValidationError(
            {"templates": f"template backend does not match the config backend: {', '.join(bad)}"}
        )
    for check in config_checks:
        check(config, templates)
    try:
        render(config, templates, device, group)
    except RenderError as exc:
        raise ValidationError({field: exc.message}) from None
