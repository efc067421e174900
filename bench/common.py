"""Small helpers shared by the benchmark scripts (no Django, no third-party import)."""

import re
import statistics
from html.parser import HTMLParser


def percentile(values, q):
    """The ``q``-th percentile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values):
    return statistics.median(values) if values else float("nan")


class _FormParser(HTMLParser):
    """The fields a browser would submit from the form whose ``id`` is given
    (or the first form with a ``csrfmiddlewaretoken``): inputs, checked
    checkboxes, selected options, textareas."""

    def __init__(self, form_id=None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.depth = 0  # > 0 inside the form
        self.fields = []
        self._select = None
        self._select_first = None
        self._option = None
        self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            if self.depth:
                self.depth += 1
            elif self.form_id is None or attrs.get("id") == self.form_id:
                self.depth = 1
                self.fields = []
            return
        if not self.depth:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first = name, None
            self._selected = False
        elif tag == "option" and self._select:
            value = attrs.get("value")
            self._option = value
            self._text = []
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._selected = True
                self.fields.append((self._select, value if value is not None else ""))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.depth:
            self.depth -= 1
            if not self.depth:
                self.done = True
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            self.fields.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._selected and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None


def form_fields(html, form_id=None):
    """``[(name, value)]`` of the form ``form_id`` of ``html``, as a browser submits it."""
    parser = _FormParser(form_id)
    parser.feed(html)
    return parser.fields


def replace_field(fields, name, value):
    """``fields`` with the values of ``name`` replaced by ``value`` (added if absent)."""
    out = [(n, v) for n, v in fields if n != name]
    out.append((name, value))
    return out


def error_excerpt(html, limit=300):
    """The text of Django's error lists in ``html``, for a message."""
    found = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    text = " | ".join(re.sub(r"<[^>]+>", " ", item).strip() for item in found)
    return re.sub(r"\s+", " ", text)[:limit]
