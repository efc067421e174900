"""Rendering NetJSON into the archive a device downloads.

The only module that imports netjsonconfig (with ``compiled``, its helper). A
render takes a backend path, the device's NetJSON, the ordered template configs
and the variables, and gives the tar.gz bytes and their MD5 (the checksum the
agent compares), in one pass: the config is validated once (and not at all if
the same merged config was validated before in this process), the renderer
templates are compiled once per process, and the bytes are those of
netjsonconfig's own ``backend(config=..., templates=..., context=...).generate()``
(see ``compiled``), with two corrections: variable values are inserted literally
and archive members are sized in bytes.

Every failure of a render, whatever raised it (the schema, a converter, a value that
cannot be encoded, a config nested too deep), is a :class:`RenderError` that says why.
"""

import functools
import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from jsonschema.exceptions import ValidationError as JsonSchemaError
from netjsonconfig.exceptions import ValidationError as SchemaError
from netjsonconfig.utils import var_pattern

from ..settings import app_settings
from .compiled import archive_of, reference_schema_error, render_class

logger = logging.getLogger(__name__)
T = TypeVar("T")


class RenderError(Exception):
    """The configuration cannot be rendered; ``message`` says why and where."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        source: str | None = None,
        variables: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.source = source
        self.variables = tuple(variables)


@dataclass(frozen=True)
class Source:
    """One input of a render: the device config or a template."""

    label: str  # "device configuration" or 'template "name"'
    config: dict[str, Any]


@dataclass(frozen=True)
class Rendered:
    archive: bytes
    checksum: str


def backend_class(path: str) -> Any:
    try:
        return app_settings.backend_class(path)
    except KeyError:
        raise RenderError(f'unknown backend "{path}"') from None
    except Exception as exc:  # ImportError, or anything its module raises on import
        raise RenderError(f'backend "{path}" cannot be imported: {exc}') from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "the configuration is nested too deeply"
    if isinstance(exc, UnicodeError):
        return f"text that cannot be encoded in UTF-8 ({getattr(exc, 'reason', exc)})"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _only_render_errors(function: Callable[..., T]) -> Callable[..., T]:
    """``function`` raising ``RenderError`` for any failure (an unexpected one logged)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        except RenderError:
            raise
        except Exception as exc:
            if not isinstance(exc, (RecursionError, UnicodeError)):
                logger.warning("rendering failed: %s", _describe(exc), exc_info=True)
            raise RenderError(f"rendering failed: {_describe(exc)}") from None

    return wrapper


def _backend(
    backend_path: str,
    config: dict[str, Any] | None,
    templates: Sequence[dict[str, Any] | None],
    context: dict[str, Any] | None,
) -> Any:
    # a subclass: the same bytes, with the corrections (and faster for netjsonconfig's)
    cls = render_class(backend_class(backend_path))
    try:
        return cls(
            config=dict(config or {}),
            templates=[dict(t or {}) for t in templates],
            context=dict(context or {}),
        )
    except SchemaError as exc:  # templates that cannot be merged
        raise RenderError(exc.message) from None
    except (TypeError, ValueError) as exc:
        raise RenderError(str(exc)) from None


def format_path(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _identity(item: Any) -> tuple[str, Any] | None:
    if isinstance(item, dict):
        for key in ("name", "config_name", "path", "id"):
            if key in item:
                return (key, item[key])
    return None


def _locate(path: Sequence[str | int], merged: Any, sources: Sequence[Source]) -> str | None:
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
                candidates: list[Any] = node if isinstance(node, list) else []
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


def _unresolved(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for item in value.values():
            _unresolved(item, found)
    elif isinstance(value, list):
        for item in value:
            _unresolved(item, found)
    elif isinstance(value, str) and "{{" in value:
        found.update(name for name in var_pattern.findall(value))
    return found


@_only_render_errors
def build(
    backend_path: str, sources: Sequence[Source], context: dict[str, Any], *, validate: bool = True
) -> Any:
    """A backend instance for the merged sources, checked; raises RenderError."""
    *templates, device = sources
    backend = _backend(backend_path, device.config, [t.config for t in templates], context)
    missing = getattr(backend, "unresolved_variables", None)
    if missing is None:  # a backend with its own substitution: what is left in its output
        missing = _unresolved(backend.config, set())
    missing = sorted(missing)
    if missing:
        names = ", ".join(missing)
        raise RenderError(
            f"unresolved variable{'s' if len(missing) > 1 else ''}: {names}", variables=missing
        )
    if validate:
        try:
            backend.validate()
        except (SchemaError, JsonSchemaError) as exc:
            raise _invalid(getattr(exc, "details", exc), backend, sources) from None
        except Exception as exc:
            # netjsonconfig's checks outside the schema (radios, ...) can trip on a
            # shape the schema refuses: the schema's error says what is wrong
            details = reference_schema_error(backend)
            if details is None:
                raise RenderError(f"invalid configuration: {exc!r}") from None
            raise _invalid(details, backend, sources) from None
    return backend


def _invalid(details: Any, backend: Any, sources: Sequence[Source]) -> RenderError:
    """The RenderError for a JSON-schema error, naming the path and its source."""
    path = list(getattr(details, "absolute_path", []) or [])
    label = _locate(path, backend.config, sources) if path else None
    where = f" at {format_path(path)}" if path else ""
    origin = f" (from {label})" if label else ""
    used = _variables_at(path, backend.config, sources)
    names = ", ".join(f"{name} = {value!r}" if value is not None else name for name, value in used)
    note = f"; variables used there: {names}" if used else ""
    return RenderError(
        f"{details.message}{where}{origin}{note}", path=format_path(path), source=label
    )


def _variables_at(
    path: Sequence[str | int], merged: Any, sources: Sequence[Source]
) -> list[tuple[str, Any]]:
    """``[(name, resolved value or None)]`` of the variables the sources use at ``path``:
    the schema checks the resolved values, the operator wrote the variables."""
    found: dict[str, Any] = {}
    for source in sources:
        node: Any = source.config
        merged_node = merged
        for part in path:
            if isinstance(part, int):
                if not isinstance(merged_node, list) or part >= len(merged_node):
                    node = None
                    break
                target = merged_node[part]
                ident = _identity(target)
                candidates: list[Any] = node if isinstance(node, list) else []
                match = [c for c in candidates if ident and _identity(c) == ident]
                if not match and len(candidates) == len(merged_node):
                    match = [candidates[part]]  # the same list, its items resolved
                node, merged_node = (match[-1] if match else None), target
            elif isinstance(node, dict) and part in node:
                node, merged_node = node[part], (merged_node or {}).get(part)
            else:
                node = None
            if node is None:
                break
        if node is not None:
            _collect_variables(node, merged_node, found)
    return sorted(found.items())


def _collect_variables(raw: Any, resolved: Any, found: dict[str, Any]) -> None:
    if isinstance(raw, dict):
        for key, value in raw.items():
            other = resolved.get(key) if isinstance(resolved, dict) else None
            _collect_variables(value, other, found)
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            other = (
                resolved[index] if isinstance(resolved, list) and index < len(resolved) else None
            )
            _collect_variables(value, other, found)
    elif isinstance(raw, str) and "{{" in raw:
        names = var_pattern.findall(raw)
        whole = len(names) == 1 and var_pattern.fullmatch(raw.strip())
        for name in names:
            found[name] = resolved if whole and isinstance(resolved, str) else found.get(name)


@_only_render_errors
def render_archive(
    backend_path: str, sources: Sequence[Source], context: dict[str, Any]
) -> Rendered:
    """The archive and its MD5, from one render of the validated config."""
    backend = build(backend_path, sources, context)
    # build() validated it: generate() need not do it twice more
    backend.skip_validation = True
    # a backend's converter may fail on odd input: a RenderError (the decorator)
    archive = archive_of(backend)
    return Rendered(archive=archive, checksum=hashlib.md5(archive).hexdigest())


@_only_render_errors
def render_text(backend_path: str, sources: Sequence[Source], context: dict[str, Any]) -> str:
    """The native configuration as text, for previews."""
    backend = build(backend_path, sources, context)
    backend.skip_validation = True
    try:
        return backend.render()
    except (SchemaError, JsonSchemaError) as exc:
        raise RenderError(exc.message) from None
