"""Templates: what a change of a template does to the configs that use it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ..apps import get_model
from ..rendering import context as context_service
from ..rendering.render import Rendered, RenderError, Source, render_archive, render_text
from ..settings import app_settings
from . import pending as fanout
from . import relations

RENDER_FIELDS = {"backend", "config", "default_values", "type", "vpn_id", "auto_cert"}


def after_save(template: Any, created: bool) -> None:
    """A saved template: a new required one joins every config of its backend; a change
    of what renders marks the configs that use it for a render."""
    changed = set() if created else template.changed_fields()
    was_required = bool(template.loaded_value("required")) and not created
    template.mark_saved()
    if template.required and not was_required:
        relations.bulk_add(get_model("config").objects.all(), template)
        fanout.mark(using(template), "m2m_templates_changed")
    elif changed & RENDER_FIELDS:
        fanout.mark(using(template), "related_template_changed")


def using(template: Any) -> QuerySet[Any]:
    """The configs that use ``template`` (a queryset, not evaluated)."""
    return get_model("config").objects.filter(templates=template)


def before_delete(template: Any) -> None:
    """Mark the configs using ``template``; they are re-rendered once it is gone."""
    fanout.mark(using(template), "m2m_templates_changed", render=False)


def after_delete() -> None:
    fanout.schedule()


def validate_standalone(template: Any) -> None:
    """Check a template renders on its own, with its default values as variables.

    Raises a Django ``ValidationError`` naming the field. A default or required
    template must also render together with the other default templates of its
    backend, so that it can never make a new device's config fail.
    """
    context = sample_context(template)
    try:
        render_archive(template.backend, [Source("template", template.config or {})], context)
    except RenderError as exc:
        field = "default_values" if exc.variables else "config"
        raise ValidationError({field: exc.message}) from None
    if not (template.default or template.required):
        return
    template_model = get_model("template")
    others = list(
        template_model.objects.filter(backend=template.backend, default=True)
        .exclude(pk=template.pk)
        .order_by("-required", "name")
    )
    together = others + [template]
    merged_defaults = _sample_predefined()
    merged_defaults.update(app_settings.CONTEXT or {})
    merged_defaults.update(context_service.merge(context_service.sample_layers(together)))
    for t in together:
        merged_defaults.update(t.default_values or {})
    sources = [Source(f'template "{t.name}"', t.config or {}) for t in together]
    try:
        render_archive(template.backend, sources, merged_defaults)
    except RenderError as exc:
        names = ", ".join(t.name for t in others) or "none"
        raise ValidationError(
            {
                "default": "this template cannot be used by default: together with the other "
                f"default templates ({names}) it fails: {exc.message}"
            }
        ) from None


def _sample_predefined() -> dict[str, Any]:
    return {
        "id": "00000000-0000-0000-0000-000000000000",
        "key": "0" * 32,
        "name": "device",
        "mac_address": "00:00:00:00:00:00",
        "hardware_id": "",
    }


def sample_context(template: Any) -> dict[str, Any]:
    """Variables a template is previewed with: sample predefined ones, then its defaults."""
    context = _sample_predefined()
    context.update(app_settings.CONTEXT or {})
    context.update(context_service.merge(context_service.sample_layers([template])))
    context.update(template.default_values or {})
    return context


def preview(template: Any) -> str:
    """The native configuration text of ``template`` alone (raises RenderError)."""
    return render_text(
        template.backend, [Source("template", template.config or {})], sample_context(template)
    )


def render(template: Any) -> Rendered:
    """The archive of ``template`` alone, as :func:`preview` shows it (raises RenderError)."""
    return render_archive(
        template.backend, [Source("template", template.config or {})], sample_context(template)
    )
