"""Template assignments read or changed for many configs at once, in a few queries.

sortedm2m's manager works one config at a time; a group's or a required
template's change concerns thousands. These write the ordering table of
``Config.templates`` directly, in bulk, and leave re-rendering to
``fanout.mark``; a fan-out batch reads the templates of all its configs at once
(:func:`ordered_templates_of`), and a registration writes a new config's rows in
one statement (:func:`insert_templates`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ..apps import get_model

# appended templates sort after everything sortedm2m numbered (1, 2, ...)
APPEND_BASE = 1_000_000


def _through() -> tuple[Any, str, str]:
    field = get_model("config")._meta.get_field("templates")
    return field.remote_field.through, field.m2m_field_name(), field.m2m_reverse_field_name()


def bulk_add(config_queryset: QuerySet[Any], template: Any, position: int = 0) -> int:
    """Append ``template`` to the configs of ``config_queryset`` (of its backend) lacking it."""
    through, source, target = _through()
    missing = (
        config_queryset.filter(backend=template.backend)
        .exclude(templates=template)
        .values_list("pk", flat=True)
    )
    rows = [
        through(
            **{
                f"{source}_id": pk,
                f"{target}_id": template.pk,
                "sort_value": APPEND_BASE + position,
            }
        )
        for pk in missing.iterator(chunk_size=2000)
    ]
    through.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def bulk_remove(config_queryset: QuerySet[Any], templates: list[Any]) -> int:
    """Remove ``templates`` from the configs of ``config_queryset``; returns rows deleted."""
    if not templates:
        return 0
    through, source, target = _through()
    deleted, _ = through.objects.filter(
        **{
            f"{source}__in": config_queryset.values("pk"),
            f"{target}__in": [t.pk for t in templates],
        }
    ).delete()
    return deleted


def ordered_templates_of(config_ids: list[Any]) -> dict[Any, list[Any]]:
    """``{config pk: its templates in their order}`` for many configs, in two queries; a
    template used by several of them is one instance."""
    through, source, target = _through()
    links = list(
        through.objects.filter(**{f"{source}__in": config_ids})
        .order_by("sort_value", "pk")
        .values_list(f"{source}_id", f"{target}_id")
    )
    templates = get_model("template").objects.in_bulk({template_id for _c, template_id in links})
    out: dict[Any, list[Any]] = {pk: [] for pk in config_ids}
    for config_id, template_id in links:
        out[config_id].append(templates[template_id])
    return out


def insert_templates(config: Any, templates: list[Any]) -> None:
    """Give a new ``config`` (no templates yet) ``templates`` in this order: one ``INSERT``,
    the rows sortedm2m's ``set()`` would write."""
    through, source, target = _through()
    rows = [
        through(**{f"{source}_id": config.pk, f"{target}_id": template.pk, "sort_value": number})
        for number, template in enumerate(templates, start=1)
    ]
    through.objects.bulk_create(rows)
