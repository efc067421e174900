"""Template assignments changed for many configs at once, in a few queries.

sortedm2m's manager works one config at a time; a group's or a required
template's change concerns thousands. These write the ordering table of
``Config.templates`` directly, in bulk, and leave re-rendering to
``fanout.mark``.
"""

from ..apps import get_model

# appended templates sort after everything sortedm2m numbered (1, 2, ...)
APPEND_BASE = 1_000_000


def _through():
    field = get_model("config")._meta.get_field("templates")
    return field.remote_field.through, field.m2m_field_name(), field.m2m_reverse_field_name()


def bulk_add(config_queryset, template, position=0):
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


def bulk_remove(config_queryset, templates):
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
