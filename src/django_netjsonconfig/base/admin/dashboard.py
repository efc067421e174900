"""The dashboard of the admin index: devices by configuration status, model and OS.

Three ``GROUP BY`` queries whatever the number of devices; the model and OS
charts show the most common values and sum up the rest. The charts are drawn
on the server (inline SVG), with no script and nothing from a CDN.
"""

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Count
from django.utils.translation import gettext as _

from ..config import STATUS_CHOICES

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

TOP = 8  # values shown per chart; the others are summed up


def _percent(count: int, total: int) -> float:
    return round(100 * count / total, 2) if total else 0


def _url(base: str | None, **params: Any) -> str | None:
    return f"{base}?{urlencode(params)}" if base else None


def status_chart(device_model: type[Any], changelist_url: str | None = None) -> dict[str, Any]:
    """Devices by config status (and without a config): ``{total, bars}``, each bar
    with its share of the fleet and its offset in a stacked bar."""
    counts = dict(
        device_model.objects.order_by().values_list("config__status").annotate(count=Count("pk"))
    )
    total = sum(counts.values())
    keys: list[tuple[str | None, _StrOrPromise, dict[str, str]]] = [
        (status, label, {"config__status__exact": status}) for status, label in STATUS_CHOICES
    ]
    if counts.get(None):
        keys.append((None, _("no configuration"), {"config__status__isnull": "True"}))
    bars, offset = [], 0.0
    for status, label, params in keys:
        count = counts.get(status, 0)
        percent = _percent(count, total)
        bars.append(
            {
                "key": status or "none",
                "label": str(label),
                "count": count,
                "percent": percent,
                "offset": round(offset, 2),
                "url": _url(changelist_url, **params),
            }
        )
        offset += percent
    return {"total": total, "bars": bars}


def value_chart(
    device_model: type[Any],
    field: str,
    total: int,
    changelist_url: str | None = None,
    limit: int = TOP,
) -> dict[str, Any]:
    """The most common values of ``field`` among devices, and the number of the others."""
    rows = list(
        device_model.objects.order_by()
        .values_list(field)
        .annotate(count=Count("pk"))
        .order_by("-count", field)[:limit]
    )
    bars = [
        {
            "label": value or _("(unknown)"),
            "count": count,
            "percent": _percent(count, total),
            "url": _url(changelist_url, **{field: value or ""}),
        }
        for value, count in rows
    ]
    others = total - sum(bar["count"] for bar in bars)
    return {"bars": bars, "others": others, "others_percent": _percent(others, total)}


def dashboard(device_model: type[Any], changelist_url: str | None = None) -> dict[str, Any]:
    status = status_chart(device_model, changelist_url)
    total = status["total"]
    return {
        "total": total,
        "status": status,
        "model": value_chart(device_model, "model", total, changelist_url),
        "os": value_chart(device_model, "os", total, changelist_url),
        "changelist_url": changelist_url,
        "verbose_name_plural": device_model._meta.verbose_name_plural,
    }
