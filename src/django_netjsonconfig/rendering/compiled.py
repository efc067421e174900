"""netjsonconfig backends that render the same bytes with less work, and right.

``rendering`` is the only caller. For a backend class ``cls`` from the settings,
:func:`render_class` gives the class a render uses: a subclass of ``cls`` (same
name and module) with two corrections of netjsonconfig 1.3 (:func:`corrections`),
and the shortcuts below when ``cls`` validates with netjsonconfig's own code.

The corrections, each applied only where ``cls`` uses netjsonconfig's own method:

* variables are substituted literally (``_evaluate_vars``): netjsonconfig uses the
  value as an ``re.sub`` replacement, so a backslash in it is read as an escape
  (``C:\\new\\dir`` raises ``bad escape``, ``SN\\1`` becomes the variable's name,
  ``SN\\n1`` a newline), and a value holding ``{{ other }}`` is substituted again.
  Here each ``{{ name }}`` of the merged config is replaced, in one pass, by
  ``str(value)`` as it is; the names with no value are kept in
  ``unresolved_variables`` (a value may hold ``{{ }}``: the output cannot tell);
* each archive member's size is its length in bytes (``_add_file``): netjsonconfig
  sets it to the number of characters, so a non-ASCII text is cut short in the
  archive (``Café`` in a description truncates ``etc/config/system``).

For every input netjsonconfig renders correctly (values without a backslash or
``{{``, ASCII text) the bytes are netjsonconfig's, byte for byte.

:func:`fast_class` gives the corrected subclass that differs from netjsonconfig's
class in these ways too:

* its renderer classes share one Jinja2 environment per template package for the
  whole process, so each renderer template is compiled once, not at every render
  (netjsonconfig builds a new ``Environment`` each time); the OpenWISP 1.x
  backend's install/uninstall/tc scripts get the same treatment;
* ``validate()`` runs the JSON-schema check at most once per distinct merged
  config: successes are remembered by content hash in a bounded LRU
  (:data:`memo`), and a miss is checked by a compiled validator (fastjsonschema)
  when the schema allows it; whenever that validator says no, or cannot be used,
  netjsonconfig's own ``validate()`` runs and its error is the one raised;
* a render can say its config is already validated (``skip_validation``), so the
  two further ``validate()`` calls netjsonconfig makes inside ``generate()`` and
  ``render()`` cost nothing;
* ``archive_bytes()`` is ``generate().getvalue()`` remembered by content hash of
  the final (merged, evaluated, validated) config in a bounded LRU
  (:data:`archives`): netjsonconfig's rendering is pure, so the same final config
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
  does not compile gets the memo only; ``tests/test_rendering_errors.py`` checks
  over mutations of a corpus that it never accepts what the reference refuses;
* the checks of ``validate()`` that are not the schema (radios, file paths,
  VLAN primary ids, and OpenWISP's radio defaults that it writes into the
  config) always run, by calling netjsonconfig's ``validate()`` with an empty
  schema; if that raises anything, the full reference ``validate()`` runs and
  raises exactly what netjsonconfig would.
"""

import hashlib
import json
import os
import tarfile
import threading
from collections import OrderedDict
from io import BytesIO

from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match
from netjsonconfig.backends.base.backend import BaseBackend, format_checker
from netjsonconfig.backends.base.renderer import BaseRenderer
from netjsonconfig.schema import DEFAULT_FILE_MODE
from netjsonconfig.utils import var_pattern

try:  # the compiled validator is an optimisation, never a requirement
    import fastjsonschema
except ImportError:  # pragma: no cover
    fastjsonschema = None

try:
    from netjsonconfig.backends.openwisp.openwisp import OpenWisp as _OpenWisp
except ImportError:  # pragma: no cover
    _OpenWisp = None

MEMO_SIZE = 4096
_NETJSONCONFIG = "netjsonconfig."


class ValidationMemo:
    """A bounded, thread-safe LRU set of ``(backend class, content digest)`` keys."""

    def __init__(self, maxsize=MEMO_SIZE):
        self.maxsize = maxsize
        self._keys = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __contains__(self, key):
        with self._lock:
            if key in self._keys:
                self._keys.move_to_end(key)
                self.hits += 1
                return True
            self.misses += 1
            return False

    def add(self, key):
        with self._lock:
            self._keys[key] = None
            self._keys.move_to_end(key)
            while len(self._keys) > self.maxsize:
                self._keys.popitem(last=False)

    def __len__(self):
        return len(self._keys)

    def clear(self):
        with self._lock:
            self._keys.clear()
            self.hits = self.misses = 0


memo = ValidationMemo()


class ArchiveMemo:
    """A bounded, thread-safe LRU of archives, by count (``maxsize``; None: no bound)
    and by total size; ``weigh(item)`` gives an item's size (``len`` by default)."""

    def __init__(self, maxsize=512, maxbytes=16 * 1024 * 1024, max_item=256 * 1024, weigh=len):
        self.maxsize, self.maxbytes, self.max_item = maxsize, maxbytes, max_item
        self.weigh = weigh
        self._items = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    @property
    def size(self):
        """Total size of the items held."""
        return self._bytes

    def get(self, key):
        with self._lock:
            archive = self._items.get(key)
            if archive is not None:
                self._items.move_to_end(key)
                self.hits += 1
            return archive

    def put(self, key, archive):
        """Keep ``archive`` unless it is larger than ``max_item``; True when kept."""
        weight = self.weigh(archive)
        if weight > self.max_item:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= self.weigh(old)
            self._items[key] = archive
            self._bytes += weight
            while self._items and (
                (self.maxsize is not None and len(self._items) > self.maxsize)
                or self._bytes > self.maxbytes
            ):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= self.weigh(dropped)
        return True

    def __len__(self):
        return len(self._items)

    def clear(self):
        with self._lock:
            self._items.clear()
            self._bytes = 0
            self.hits = 0


archives = ArchiveMemo()


def content_key(config):
    """A digest of ``config``'s JSON text if it is made of plain JSON values, else ``None``.

    Two configs with the same JSON text are equal as JSON documents, so they
    validate alike; a config that does not survive the round trip gets no key
    (and no shortcut).
    """
    try:
        text = json.dumps(config, ensure_ascii=False, allow_nan=False)
        if json.loads(text) != config:
            return None
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).digest()


# --- the compiled validator ----------------------------------------------------------
_NON_STRINGS = (0, 1, -1, 1.5, True, False, None, [], {}, ["x"], {"a": 1}, [[]])
_compiled = {}
_compiled_lock = threading.Lock()


def _format_uses(schema):
    """Yield ``(format, type)`` for every subschema of ``schema`` with a format."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            fmt = node.get("format")
            if isinstance(fmt, str):
                yield fmt, node.get("type")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _reference_format(name):
    def check(value):
        return format_checker.conforms(value, name)

    return check


def _accept(value):
    return True


_DRAFT4 = "http://json-schema.org/draft-04/schema#"


def _compile(schema):
    if fastjsonschema is None or not isinstance(schema, dict):
        return None
    # netjsonconfig validates with Draft4Validator whatever the schema says; the
    # compiled code must follow draft 4 too (later drafts take 1.0 as an integer)
    schema = {**schema, "$schema": _DRAFT4}
    formats = {}
    for name, type_ in _format_uses(schema):
        if name not in format_checker.checkers:
            formats[name] = _accept  # the reference ignores formats it does not know
            continue
        formats[name] = _reference_format(name)
        # The compiled code checks formats on strings only, the reference on
        # any value: only safe where the reference accepts every non-string.
        if type_ != "string" and not all(
            format_checker.conforms(probe, name) for probe in _NON_STRINGS
        ):
            return None
    # no error details: its errors are never shown, and the details (every
    # subschema written out in the code) would triple the code and its memory
    options = {
        "formats": formats,
        "use_default": False,
        "handlers": {},
        "detailed_exceptions": False,
    }
    try:
        if _LOCALS not in json.dumps(schema):  # the text it removes is not the schema's
            return _compile_lean(schema, formats, options)
    except Exception:  # pragma: no cover - another fastjsonschema: its own compile()
        pass
    try:
        return fastjsonschema.compile(schema, **options)
    except Exception:  # a schema it cannot compile: memo only
        return None


_LOCALS = ".format(**locals())"


def _compile_lean(schema, formats, options):
    """fastjsonschema's code without the eager formatting of error names.

    The generated code formats the name of every list item it descends into
    (``"...[{i}]".format(**locals())``) whether or not it fails, which is most of
    its run time on netjsonconfig's schemas. The names only end up in error
    messages, which never leave this module (the reference validator words the
    errors), so they are left unformatted.
    """
    code = fastjsonschema.compile_to_code(schema, **options)
    code = code.replace(_LOCALS, "")
    namespace = {}
    exec(code_object(code, "<fastjsonschema netjsonconfig>"), namespace)
    root = namespace["validate"]

    def validate(data):
        return root(data, formats)

    return validate


# The child compiles the source it reads on stdin and writes the marshalled code
# object, after a first line naming its interpreter.
_COMPILER = (
    "import marshal, sys\n"
    "source = sys.stdin.buffer.read().decode()\n"
    "code = compile(source, sys.argv[1], 'exec')\n"
    "sys.stdout.buffer.write(sys.version.encode() + b'\\n' + marshal.dumps(code))\n"
)


def code_object(source, filename):
    """``compile(source, filename, "exec")``, done in a child interpreter when possible.

    The validators' source is about 400 kB; compiling it in the process leaves some
    20 MB of compiler memory that the allocator keeps for the life of the process
    (a web worker that renders once would carry it until it exits), while the code
    object itself, loaded with ``marshal``, takes well under 1 MB. The child is a
    bare interpreter (no site, no Django), started once per schema and process.
    Anything unexpected (no usable interpreter, another version, a failure)
    compiles here instead.
    """
    import marshal
    import subprocess
    import sys

    executable = sys.executable or ""
    if os.path.basename(executable).startswith("python"):
        try:
            done = subprocess.run(  # noqa: S603  (our own interpreter, our own script)
                [executable, "-I", "-S", "-c", _COMPILER, filename],
                input=source.encode(),
                capture_output=True,
                timeout=60,
                check=True,
            )
            version, _, payload = done.stdout.partition(b"\n")
            if version.decode() == sys.version:
                return marshal.loads(payload)
        except Exception:  # noqa: S110  (compile here instead)
            pass
    return compile(source, filename, "exec")


def compiled_validator(schema):
    """A function raising on an invalid config, or ``None`` (use the reference)."""
    key = id(schema)
    try:
        return _compiled[key][1]
    except KeyError:
        pass
    with _compiled_lock:
        if key not in _compiled:
            # the schema is kept alive with its validator so its id stays its own
            _compiled[key] = (schema, _compile(schema))
        return _compiled[key][1]


def _fast_accepts(schema, config):
    validator = compiled_validator(schema)
    if validator is None:
        return False
    try:
        validator(config)
    except Exception:  # invalid, or anything odd: the reference decides
        return False
    return True


def reference_schema_error(backend):
    """The error jsonschema gives for ``backend.config`` against its schema, or ``None``.

    What netjsonconfig's ``validate()`` raises for a schema error, without its
    other checks.
    """
    schema = type(backend).schema
    if not isinstance(schema, dict):
        return None
    validator = Draft4Validator(schema, format_checker=format_checker)
    return best_match(validator.iter_errors(backend.config))


# --- shared Jinja2 environments --------------------------------------------------------
_envs = {}
_envs_lock = threading.Lock()


def _shared_env(renderer):
    """netjsonconfig's environment for ``renderer.env_path``, built once per process."""
    path = renderer.env_path
    env = _envs.get(path)
    if env is None:
        with _envs_lock:
            env = _envs.get(path)
            if env is None:
                env = BaseRenderer.template_env.fget(renderer)
                env.auto_reload = False  # packaged templates do not change under us
                _envs[path] = env
    return env


class SharedEnvRendererMixin:
    @property
    def template_env(self):
        return _shared_env(self)


class _EnvPath:
    def __init__(self, env_path):
        self.env_path = env_path


def _fast_renderer(renderer_cls):
    if not (isinstance(renderer_cls, type) and issubclass(renderer_cls, BaseRenderer)):
        return renderer_cls
    if renderer_cls.template_env is not BaseRenderer.template_env:
        return renderer_cls  # its own environment: leave it alone
    return type(
        renderer_cls.__name__,  # BaseRenderer.get_name() derives the template from it
        (SharedEnvRendererMixin, renderer_cls),
        {"__module__": renderer_cls.__module__, "__qualname__": renderer_cls.__qualname__},
    )


def _render_openwisp_template(self, template, context=None):
    """``OpenWisp._render_template`` with the environment built once."""
    env = _shared_env(_EnvPath(self.__module__))
    return env.get_template(template).render(**(context or {}))


# --- the corrections ------------------------------------------------------------------
def evaluate_literally(data, context, missing):
    """``data`` with every ``{{ name }}`` of its strings replaced by ``str(context[name])``
    as it is (lists and dicts are changed in place, as netjsonconfig does); the names
    ``context`` lacks are left in the text and added to the set ``missing``.

    netjsonconfig's ``evaluate_vars`` finds the same ``{{ name }}`` (its own
    ``var_pattern``) and gives the same text for any value without a backslash or
    ``{{``; it passes the value to ``re.sub`` as a replacement template instead.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, (dict, list)) or (isinstance(value, str) and "{{" in value):
                data[key] = evaluate_literally(value, context, missing)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, (dict, list)) or (isinstance(value, str) and "{{" in value):
                data[index] = evaluate_literally(value, context, missing)
    elif isinstance(data, str) and "{{" in data:

        def value_of(match):
            name = match.group(1)
            if name in context:
                return str(context[name])  # a function's result is never a template
            missing.add(name)
            return match.group(0)

        return var_pattern.sub(value_of, data)
    return data


def _literal_evaluate_vars(self, config, context):
    """``BaseBackend._evaluate_vars`` with the values inserted literally."""
    missing = set()
    config = evaluate_literally(config, context or {}, missing)
    self.unresolved_variables = missing
    return config


def _add_file_bytes(self, tar, name, contents, mode=DEFAULT_FILE_MODE):
    """``BaseBackend._add_file`` with the member's size in bytes: netjsonconfig 1.3 gives
    ``len(contents)``, characters, and the archive then holds only that many bytes."""
    data = contents.encode("utf8")
    info = tarfile.TarInfo(name=name)
    info.size = len(data)
    info.mtime = 0
    info.type = tarfile.REGTYPE
    info.mode = int(mode, 8)
    tar.addfile(tarinfo=info, fileobj=BytesIO(data))


_CORRECTIONS = (
    ("_evaluate_vars", _literal_evaluate_vars),
    ("_add_file", _add_file_bytes),
)


def corrections(cls):
    """``{method name: corrected method}`` for the methods of backend ``cls`` that are
    netjsonconfig's own (a class with its own version keeps it)."""
    return {
        name: method
        for name, method in _CORRECTIONS
        if getattr(cls, name, None) is getattr(BaseBackend, name)
    }


_corrected = {}


def _corrected_class(cls):
    fixes = corrections(cls) if isinstance(cls, type) and issubclass(cls, BaseBackend) else {}
    if not fixes:
        return cls
    attrs = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, **fixes}
    attrs["__doc__"] = cls.__doc__
    return type(cls.__name__, (cls,), attrs)


def render_class(cls):
    """The class a render uses for backend ``cls``: its fast class (see :func:`fast_class`),
    else ``cls`` with the corrections, else ``cls`` itself."""
    fast = fast_class(cls)
    if fast is not None:
        return fast
    try:
        return _corrected[cls]
    except KeyError:
        pass
    with _classes_lock:
        if cls not in _corrected:
            _corrected[cls] = _corrected_class(cls)
        return _corrected[cls]


# --- the backend mixin ------------------------------------------------------------------
class FastBackendMixin:
    skip_validation = False
    validated_digest = None
    remember_archives = False  # set per class by fast_class()

    def validate(self):
        if self.skip_validation:
            return
        self.validated_digest = None
        # 1. everything but the schema, with netjsonconfig's own code
        self.schema = {}  # shadows the class schema for this call only
        try:
            super().validate()
        except Exception:
            del self.schema
            super().validate()  # the reference raises what netjsonconfig raises
            return
        finally:
            self.__dict__.pop("schema", None)
        # 2. the schema: memo, then the compiled validator, then the reference
        cls = type(self)
        digest = content_key(self.config)
        if digest is None:
            super().validate()
            return
        key = (cls, digest)
        if key not in memo:
            if not _fast_accepts(cls.schema, self.config):
                super().validate()
            memo.add(key)
        self.validated_digest = digest

    def archive_bytes(self):
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


def _own_validation(cls):
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


def _from_netjsonconfig(obj):
    return (getattr(obj, "__module__", None) or "").startswith(_NETJSONCONFIG)


def _pure_generation(cls):
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


_classes = {}
_classes_lock = threading.Lock()


def _make(cls):
    if not (isinstance(cls, type) and issubclass(cls, BaseBackend)) or cls.schema is None:
        return None
    if issubclass(cls, FastBackendMixin) or not _own_validation(cls):
        return None
    attrs = {
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "reference_class": cls,
        "remember_archives": _pure_generation(cls),
        **corrections(cls),
    }
    if getattr(cls, "renderer", None) is not None:
        attrs["renderer"] = _fast_renderer(cls.renderer)
    if getattr(cls, "renderers", None):
        attrs["renderers"] = [_fast_renderer(r) for r in cls.renderers]
    if _OpenWisp is not None and getattr(cls, "_render_template", None) is getattr(
        _OpenWisp, "_render_template", object()
    ):
        attrs["_render_template"] = _render_openwisp_template
    return type(cls.__name__, (FastBackendMixin, cls), attrs)


def fast_class(cls):
    """The faster subclass of backend ``cls``, or ``None`` to use ``cls`` as it is."""
    try:
        return _classes[cls]
    except KeyError:
        pass
    with _classes_lock:
        if cls not in _classes:
            _classes[cls] = _make(cls)
        return _classes[cls]
