"""Rendering NetJSON into the archive a device downloads.

The only module that imports netjsonconfig. A render takes a backend path, the
device's NetJSON, the ordered template configs and the variables, and gives
the tar.gz bytes and their MD5 (the checksum the agent compares).
"""

import hashlib
from dataclasses import dataclass

from netjsonconfig.exceptions import ValidationError as SchemaError
from netjsonconfig.utils import var_pattern

from ..settings import app_settings


class RenderError(Exception):
    """The configuration cannot be rendered; ``message`` says why and where."""

    def __init__(self, message, *, path=None, source=None, variables=()):
        super().__init__(message)
        self.message = message
        self.path = path
        self.source = source
        self.variables = tuple(variables)


@dataclass(frozen=True)
class Source:
    """One input of a render: the device config or a template."""

    label: str  # "device configuration" or 'template "name"'
    config: dict


@dataclass(frozen=True)
class Rendered:
    archive: bytes
    checksum: str


def backend_class(path):
    try:
        return app_settings.backend_class(path)
    except KeyError:
        raise RenderError(f'unknown backend "{path}"') from None
    except ImportError as exc:
        raise RenderError(f'backend "{path}" cannot be imported: {exc}') from None


def _backend(backend_path, config, templates, context):
    cls = backend_class(backend_path)
    try:
        return cls(
            config=dict(config or {}),
            templates=[dict(t or {}) for t in templates],
            context=dict(context or {}),
        )
    except (TypeError, ValueError) as exc:
        raise RenderError(str(exc)) from None


def format_path(path):
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _identity(item):
    if isinstance(item, dict):
        for key in ("name", "config_name", "path", "id"):
            if key in item:
                return (key, item[key])
    return None


def _locate(path, merged, sources):
    """The label of the last source that sets the value at ``path`` of ``merged``."""
    found = None
    for source in sources:
        node, merged_node, ok = source.config, merged, True
        for part in path:
            if isinstance(part, int):
                if not isinstance(merged_node, list) or part >= len(merged_node):
                    ok = False
                    break
                target = merged_node[part]
                ident = _identity(target)
                candidates = node if isinstance(node, list) else []
                match = [c for c in candidates if (ident and _identity(c) == ident) or c == target]
                if not match:
                    ok = False
                    break
                node, merged_node = match[-1], target
            else:
                if not isinstance(node, dict) or part not in node:
                    ok = False
                    break
                node, merged_node = node[part], (merged_node or {}).get(part)
        if ok:
            found = source.label
    return found


def _unresolved(value, found):
    if isinstance(value, dict):
        for item in value.values():
            _unresolved(item, found)
    elif isinstance(value, list):
        for item in value:
            _unresolved(item, found)
    elif isinstance(value, str) and "{{" in value:
        found.update(name for name in var_pattern.findall(value))
    return found


def build(backend_path, sources, context, *, validate=True):
    """A backend instance for the merged sources, checked; raises RenderError."""
    *templates, device = sources
    backend = _backend(backend_path, device.config, [t.config for t in templates], context)
    missing = sorted(_unresolved(backend.config, set()))
    if missing:
        names = ", ".join(missing)
        raise RenderError(
            f"unresolved variable{'s' if len(missing) > 1 else ''}: {names}", variables=missing
        )
    if validate:
        try:
            backend.validate()
        except SchemaError as exc:
            path = list(getattr(exc.details, "absolute_path", []) or [])
            label = _locate(path, backend.config, sources) if path else None
            where = f" at {format_path(path)}" if path else ""
            origin = f" (from {label})" if label else ""
            raise RenderError(
                f"{exc.message}{where}{origin}", path=format_path(path), source=label
            ) from None
    return backend


def render_archive(backend_path, sources, context):
    backend = build(backend_path, sources, context)
    try:
        archive = backend.generate().getvalue()
    except Exception as exc:  # a backend's converter may fail on odd input
        raise RenderError(f"rendering failed: {exc}") from None
    return Rendered(archive=archive, checksum=hashlib.md5(archive).hexdigest())


def render_text(backend_path, sources, context):
    """The native configuration as text, for previews."""
    backend = build(backend_path, sources, context)
    try:
        return backend.render()
    except SchemaError as exc:
        raise RenderError(exc.message) from None
