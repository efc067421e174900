"""The compiled renderer: netjsonconfig backends that render the same bytes with
less work, and right.

``rendering.render`` is the only caller, through one function: for a backend class
``cls`` from the settings, :func:`render_class` gives the class a render uses (and
:func:`archive_of` its archive): a subclass of ``cls`` (same name and module) with
two corrections of netjsonconfig 1.3 (``rendering.corrections``), and the shortcuts
below when ``cls`` validates with netjsonconfig's own code. netjsonconfig's own
``generate()`` is the oracle the tests compare it with, over a corpus.

:func:`fast_class` gives the corrected subclass that differs from netjsonconfig's
class in these ways too:

* its renderer classes share one Jinja2 environment per template package for the
  whole process, so each renderer template is compiled once, not at every render
  (netjsonconfig builds a new ``Environment`` each time); the OpenWISP 1.x
  backend's install/uninstall/tc scripts get the same treatment;
* ``validate()`` runs the JSON-schema check at most once per distinct merged
  config: successes are remembered by content hash in a bounded LRU
  (``memo.memo``), and a miss is checked by a compiled validator (fastjsonschema)
  when the schema allows it; whenever that validator says no, or cannot be used,
  netjsonconfig's own ``validate()`` runs and its error is the one raised;
* a render can say its config is already validated (``skip_validation``), so the
  two further ``validate()`` calls netjsonconfig makes inside ``generate()`` and
  ``render()`` cost nothing;
* ``archive_bytes()`` is ``generate().getvalue()`` remembered by content hash of
  the final (merged, evaluated, validated) config in a bounded LRU
  (``memo.archives``): netjsonconfig's rendering is pure, so the same final config
  gives the same bytes (a save-then-serve flow renders the same config twice).
  Only for classes whose generation code is all netjsonconfig's.

Everything else (merging, converters, templates, the tar.gz) is netjsonconfig's
own code, so the bytes are those of ``cls(...).generate()`` with the corrections.

A class whose validation code does not come from netjsonconfig (a third-party
backend overriding ``validate`` or one of its ``_validate_*`` helpers) gets no
fast class (:func:`fast_class` returns ``None``): it gets the corrections only.

Soundness of the shortcuts, since a wrong "valid" would let a broken config reach
devices:

* the memo and the compiled validator are used only for configs made of plain
  JSON values (``json.loads(json.dumps(c)) == c``: no tuple, set, non-string key,
  NaN, ...), so the JSON text is a faithful content key and fastjsonschema's
  looser idea of an array (it also accepts tuples) never matters;
* the compiled validator gets netjsonconfig's own format checker for every
  format the reference knows ("cidr", "hostname", "ipv4", ...), formats the
  reference ignores are ignored, ``use_default=False`` so it never writes into
  the config; a schema applying a known format to a value that need not be a
  string is used only if the reference accepts every non-string there (the
  compiled code checks formats on strings only); it follows draft 4 whatever
  ``$schema`` says, as netjsonconfig's ``Draft4Validator`` does; a schema that
  does not compile gets the memo only (``rendering.compiled_validator``); the tests check
  over mutations of a corpus that it never accepts what the reference refuses;
* the checks of ``validate()`` that are not the schema (radios, file paths,
  VLAN primary ids, and OpenWISP's radio defaults that it writes into the
  config) always run, by calling netjsonconfig's ``validate()`` with an empty
  schema; if that raises anything, the full reference ``validate()`` runs and
  raises exactly what netjsonconfig would.
"""

import threading
from typing import Any

from netjsonconfig.backends.base.backend import BaseBackend

from .compiled_validator import (
    code_object,
    compiled_validator,
    fast_accepts,
    reference_schema_error,
)
from .corrections import corrected_class, corrections, evaluate_literally
from .environments import fast_renderer, render_openwisp_template
from .memo import ArchiveMemo, ValidationMemo, archives, content_key, memo

try:
    from netjsonconfig.backends.openwisp.openwisp import OpenWisp as _OpenWisp
except ImportError:  # pragma: no cover
    _OpenWisp = None

__all__ = [
    "ArchiveMemo",
    "FastBackendMixin",
    "ValidationMemo",
    "archive_of",
    "archives",
    "code_object",
    "compiled_validator",
    "content_key",
    "corrections",
    "evaluate_literally",
    "fast_class",
    "memo",
    "reference_schema_error",
    "render_class",
]

_NETJSONCONFIG = "netjsonconfig."


def render_class(cls: type) -> type:
    """The class a render uses for backend ``cls``: its fast class (see :func:`fast_class`),
    else ``cls`` with the corrections, else ``cls`` itself."""
    fast = fast_class(cls)
    if fast is not None:
        return fast
    return corrected_class(cls)


def archive_of(backend: Any) -> bytes:
    """The archive of a backend instance of a :func:`render_class` class:
    ``generate().getvalue()``, remembered by the fast classes."""
    remembered = getattr(backend, "archive_bytes", None)
    return remembered() if remembered is not None else backend.generate().getvalue()


class FastBackendMixin:
    """What a fast class adds to a netjsonconfig backend (see the module's text)."""

    skip_validation = False
    validated_digest: bytes | None = None
    remember_archives = False  # set per class by fast_class()
    config: Any
    generate: Any  # the backend's (netjsonconfig's) methods

    def validate(self) -> None:
        if self.skip_validation:
            return
        backend: Any = super()  # the backend class's (netjsonconfig's) validate()
        self.validated_digest = None
        # 1. everything but the schema, with netjsonconfig's own code
        vars(self)["schema"] = {}  # shadows the class schema for this call only
        try:
            backend.validate()
        except Exception:
            vars(self).pop("schema", None)
            backend.validate()  # the reference raises what netjsonconfig raises
            return
        finally:
            vars(self).pop("schema", None)
        # 2. the schema: memo, then the compiled validator, then the reference
        cls: Any = type(self)
        digest = content_key(self.config)
        if digest is None:
            backend.validate()
            return
        key = (cls, digest)
        if key not in memo:
            if not fast_accepts(cls.schema, self.config):
                backend.validate()
            memo.add(key)
        self.validated_digest = digest

    def archive_bytes(self) -> bytes:
        """``generate().getvalue()``, remembered by content of the validated config.

        With ``skip_validation`` set, the caller vouches that the config is the one
        ``validate()`` just checked, whose digest is reused; otherwise the digest
        is taken from the config as it is now. Either way it is taken before
        ``generate()`` adds anything to the config (OpenWISP 1.x adds scripts).
        """
        if not self.remember_archives:
            return self.generate().getvalue()
        digest = self.validated_digest if self.skip_validation else content_key(self.config)
        if digest is None:
            return self.generate().getvalue()
        key = (type(self), digest)
        archive = archives.get(key)
        if archive is None:
            archive = self.generate().getvalue()
            archives.put(key, archive)
        return archive


_SENSITIVE = ("validate", "_validate", "_sanitize")


def _own_validation(cls: type) -> bool:
    """Whether every validation method of ``cls`` is netjsonconfig's."""
    for name in dir(cls):
        if not name.startswith(_SENSITIVE):
            continue
        for klass in cls.__mro__:
            if name in vars(klass):
                if not _from_netjsonconfig(klass):
                    return False
                break
    return True


def _from_netjsonconfig(obj: object) -> bool:
    return (getattr(obj, "__module__", None) or "").startswith(_NETJSONCONFIG)


def _pure_generation(cls: type) -> bool:
    """Whether the output of ``cls`` depends on its config only, as netjsonconfig's does.

    True when every method, converter and renderer of ``cls`` is netjsonconfig's;
    a subclass that only sets data or adds class methods (``auto_client``) is fine.
    A third-party method might read anything (a database, the clock): its
    archives are not remembered.
    """
    for klass in cls.__mro__:
        if klass is object or _from_netjsonconfig(klass):
            continue
        for value in vars(klass).values():
            if isinstance(value, (classmethod, staticmethod)):
                continue
            if callable(value) or isinstance(value, property):
                return False
    parts = list(getattr(cls, "converters", None) or [])
    parts += list(getattr(cls, "renderers", None) or [])
    parts.append(getattr(cls, "renderer", None))
    return all(part is None or _from_netjsonconfig(part) for part in parts)


_classes: dict[type, type | None] = {}
_classes_lock = threading.Lock()


def _make(cls: Any) -> type | None:
    if not (isinstance(cls, type) and issubclass(cls, BaseBackend)) or (
        getattr(cls, "schema", None) is None
    ):
        return None
    if issubclass(cls, FastBackendMixin) or not _own_validation(cls):
        return None
    attrs: dict[str, Any] = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "reference_class": cls,
        "remember_archives": _pure_generation(cls),
        **corrections(cls),
    }
    renderer, renderers = getattr(cls, "renderer", None), getattr(cls, "renderers", None)
    if renderer is not None:
        attrs["renderer"] = fast_renderer(renderer)
    if renderers:
        attrs["renderers"] = [fast_renderer(r) for r in renderers]
    if _OpenWisp is not None and getattr(cls, "_render_template", None) is getattr(
        _OpenWisp, "_render_template", object()
    ):
        attrs["_render_template"] = render_openwisp_template
    return type(cls.__name__, (FastBackendMixin, cls), attrs)


def fast_class(cls: type) -> type | None:
    """The faster subclass of backend ``cls``, or ``None`` to use ``cls`` as it is."""
    try:
        return _classes[cls]
    except KeyError:
        pass
    with _classes_lock:
        if cls not in _classes:
            _classes[cls] = _make(cls)
        return _classes[cls]
