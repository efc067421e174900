"""The compiled validator: fastjsonschema's code for a backend's JSON schema.

Used by the compiled backends (``rendering.compiled``) before netjsonconfig's own
``validate()``, never instead of it when it says no: whenever it refuses a config,
or cannot be used, the reference decides. It follows draft 4 whatever ``$schema``
says, checks formats with netjsonconfig's own format checker, and is compiled in a
child interpreter (see :func:`code_object`). ``tests`` check over mutations of a
corpus that it never accepts what the reference refuses.
"""

import json
import marshal
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import ValidationError, best_match
from netjsonconfig.backends.base.backend import format_checker

try:  # the compiled validator is an optimisation, never a requirement
    import fastjsonschema
except ImportError:  # pragma: no cover
    fastjsonschema = None  # type: ignore[assignment]

#: a validator: raises on an invalid config
Validator = Callable[[Any], Any]

_NON_STRINGS: tuple[Any, ...] = (0, 1, -1, 1.5, True, False, None, [], {}, ["x"], {"a": 1}, [[]])
_compiled: dict[int, tuple[Any, Validator | None]] = {}
_compiled_lock = threading.Lock()


def _format_uses(schema: Any) -> Iterator[tuple[str, Any]]:
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


def _reference_format(name: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        return format_checker.conforms(value, name)

    return check


def _accept(value: Any) -> bool:
    return True


_DRAFT4 = "http://json-schema.org/draft-04/schema#"


def _compile(schema: Any) -> Validator | None:
    if fastjsonschema is None or not isinstance(schema, dict):
        return None
    # netjsonconfig validates with Draft4Validator whatever the schema says; the
    # compiled code must follow draft 4 too (later drafts take 1.0 as an integer)
    schema = {**schema, "$schema": _DRAFT4}
    formats: dict[str, Callable[[Any], bool]] = {}
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
    options: dict[str, Any] = {
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


def _compile_lean(schema: Any, formats: dict[str, Any], options: dict[str, Any]) -> Validator:
    """fastjsonschema's code without the eager formatting of error names.

    The generated code formats the name of every list item it descends into
    (``"...[{i}]".format(**locals())``) whether or not it fails, which is most of
    its run time on netjsonconfig's schemas. The names only end up in error
    messages, which never leave this module (the reference validator words the
    errors), so they are left unformatted.
    """
    code = fastjsonschema.compile_to_code(schema, **options)
    code = code.replace(_LOCALS, "")
    namespace: dict[str, Any] = {}
    exec(code_object(code, "<fastjsonschema netjsonconfig>"), namespace)
    root = namespace["validate"]

    def validate(data: Any) -> Any:
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


def code_object(source: str, filename: str) -> Any:
    """``compile(source, filename, "exec")``, done in a child interpreter when possible.

    The validators' source is about 400 kB; compiling it in the process leaves some
    20 MB of compiler memory that the allocator keeps for the life of the process
    (a web worker that renders once would carry it until it exits), while the code
    object itself, loaded with ``marshal``, takes well under 1 MB. The child is a
    bare interpreter (no site, no Django), started once per schema and process.
    Anything unexpected (no usable interpreter, another version, a failure)
    compiles here instead.
    """
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


def compiled_validator(schema: Any) -> Validator | None:
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


def fast_accepts(schema: Any, config: Any) -> bool:
    """Whether the compiled validator of ``schema`` accepts ``config`` (False: it
    refuses, or there is none; the reference decides)."""
    validator = compiled_validator(schema)
    if validator is None:
        return False
    try:
        validator(config)
    except Exception:  # invalid, or anything odd: the reference decides
        return False
    return True


def reference_schema_error(backend: Any) -> ValidationError | None:
    """The error jsonschema gives for ``backend.config`` against its schema, or ``None``.

    What netjsonconfig's ``validate()`` raises for a schema error, without its
    other checks.
    """
    schema = type(backend).schema
    if not isinstance(schema, dict):
        return None
    validator = Draft4Validator(schema, format_checker=format_checker)
    return best_match(validator.iter_errors(backend.config))
