"""Two corrections of netjsonconfig 1.3, applied to the classes a render uses.

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

Each is applied only where the class uses netjsonconfig's own method. For every
input netjsonconfig renders correctly (values without a backslash or ``{{``, ASCII
text) the bytes are netjsonconfig's, byte for byte.
"""

import re
import tarfile
import threading
from collections.abc import Callable
from io import BytesIO
from typing import Any

from netjsonconfig.backends.base.backend import BaseBackend
from netjsonconfig.schema import DEFAULT_FILE_MODE
from netjsonconfig.utils import var_pattern


def evaluate_literally(data: Any, context: dict[str, Any], missing: set[str]) -> Any:
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

        def value_of(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in context:
                return str(context[name])  # a function's result is never a template
            missing.add(name)
            return match.group(0)

        return var_pattern.sub(value_of, data)
    return data


def _literal_evaluate_vars(self: Any, config: Any, context: dict[str, Any] | None) -> Any:
    """``BaseBackend._evaluate_vars`` with the values inserted literally."""
    missing: set[str] = set()
    config = evaluate_literally(config, context or {}, missing)
    self.unresolved_variables = missing
    return config


def _add_file_bytes(
    self: Any, tar: tarfile.TarFile, name: str, contents: str, mode: str = DEFAULT_FILE_MODE
) -> None:
    """``BaseBackend._add_file`` with the member's size in bytes: netjsonconfig 1.3 gives
    ``len(contents)``, characters, and the archive then holds only that many bytes."""
    data = contents.encode("utf8")
    info = tarfile.TarInfo(name=name)
    info.size = len(data)
    info.mtime = 0
    info.type = tarfile.REGTYPE
    info.mode = int(mode, 8)
    tar.addfile(tarinfo=info, fileobj=BytesIO(data))


_CORRECTIONS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("_evaluate_vars", _literal_evaluate_vars),
    ("_add_file", _add_file_bytes),
)


def corrections(cls: type) -> dict[str, Callable[..., Any]]:
    """``{method name: corrected method}`` for the methods of backend ``cls`` that are
    netjsonconfig's own (a class with its own version keeps it)."""
    return {
        name: method
        for name, method in _CORRECTIONS
        if getattr(cls, name, None) is getattr(BaseBackend, name)
    }


_corrected: dict[type, type] = {}
_corrected_lock = threading.Lock()


def _corrected_class(cls: type) -> type:
    fixes = corrections(cls) if isinstance(cls, type) and issubclass(cls, BaseBackend) else {}
    if not fixes:
        return cls
    attrs = {"__module__": cls.__module__, "__qualname__": cls.__qualname__, **fixes}
    attrs["__doc__"] = cls.__doc__
    return type(cls.__name__, (cls,), attrs)


def corrected_class(cls: type) -> type:
    """``cls`` with the corrections (a subclass, same name and module), or ``cls``
    itself when it has its own version of every corrected method."""
    try:
        return _corrected[cls]
    except KeyError:
        pass
    with _corrected_lock:
        if cls not in _corrected:
            _corrected[cls] = _corrected_class(cls)
        return _corrected[cls]
