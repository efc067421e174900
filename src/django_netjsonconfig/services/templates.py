"""Templates: what a change of a template does to the configs that use it."""

from ..apps import get_model
from ..settings import app_settings
from . import configs
from .batch import managed

RENDER_FIELDS = {"backend", "config", "default_values"}


def related_configs(template):
    return get_model("config").objects.filter(templates=template).select_related("device")


def after_save(template, created):
    changed = set() if created else template.changed_fields()
    was_required = bool(template.loaded_value("required")) and not created
    template.mark_saved()
    if changed & RENDER_FIELDS:
        refresh_configs(related_configs(template), "related_template_changed")
    if template.required and not was_required:
        add_to_existing_configs(template)


def refresh_configs(queryset, action):
    """Re-render every config of ``queryset``; returns how many changed."""
    changed = 0
    for config in queryset.iterator(chunk_size=500):
        changed += configs.refresh(config, action)
    return changed


def add_to_existing_configs(template):
    """A required template goes into every config of its backend."""
    missing = (
        get_model("config")
        .objects.filter(backend=template.backend)
        .exclude(templates=template)
        .select_related("device")
    )
    for config in missing.iterator(chunk_size=500):
        configs.add_templates(config, [template])


def config_pks_using(template):
    return list(related_configs(template).values_list("pk", flat=True))


def after_delete(config_pks):
    queryset = get_model("config").objects.filter(pk__in=config_pks).select_related("device")
    refresh_configs(queryset, "m2m_templates_changed")


def validate_standalone(template):
    """Check a template renders on its own, with its default values as variables.

    Raises a Django ``ValidationError`` naming the field. A default or required
    template must also render together with the other default templates of its
    backend, so that it can never make a new device's config fail.
    """
    from django.core.exceptions import ValidationError

    from .rendering import RenderError, Source, render_archive

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


def _sample_predefined():
    return {
        "id": "00000000-0000-0000-0000-000000000000",
        "key": "0" * 32,
        "name": "device",
        "mac_address": "00:00:00:00:00:00",
        "hardware_id": "",
    }


def managed_save(template):
    with managed():
        template.save()


def sample_context(template):
    """Variables a template is previewed with: sample predefined ones, then its defaults."""
    context = _sample_predefined()
    context.update(app_settings.CONTEXT or {})
    context.update(template.default_values or {})
    return context


def preview(template):
    """The native configuration text of ``template`` alone (raises RenderError)."""
    from .rendering import Source, render_text

    return render_text(
        template.backend, [Source("template", template.config or {})], sample_context(template)
    )


def render(template):
    """The archive of ``template`` alone, as :func:`preview` shows it (raises RenderError)."""
    from .rendering import Source, render_archive

    return render_archive(
        template.backend, [Source("template", template.config or {})], sample_context(template)
    )
