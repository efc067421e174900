"""The package's structure, read from its source (nothing is imported): no import circle,
no lower layer importing a higher one, no import inside a function except of an optional
dependency, no module over 400 lines.

Every rule holds with no exception list: a failure names the imports to fix.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from .import_graph import Import, Module, all_imports, cycle_edges, find_modules

PACKAGE = "django_netjsonconfig"
PACKAGE_DIR = Path(__file__).resolve().parents[2] / "src" / PACKAGE
MAX_LINES = 400

#: Lowest first. A module may import its own layer and the layers below it. A module
#: belongs to the layer of the longest prefix that names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # the app config and model resolver (apps.get_model is used everywhere), the
    # lazy settings, the public signals, the small registries and validators
    (
        "foundation",
        ("", "apps", "settings", "signals", "registry", "strictjson", "validators"),
    ),
    ("queue", ("queue",)),
    # the unit of work of a transaction and the signals sent after commit: the domain
    # packages register their steps in it, so it depends on nothing above the queue
    ("workflow", ("workflow",)),
    ("models", ("base", "models")),
    # notification types and notify(): above the models (it stores notifications), below
    # the domain packages, which may notify; its receivers are connected by wiring
    ("notifications", ("notifications",)),
    ("rendering", ("rendering", "vpn_backends")),
    ("polling", ("polling",)),
    ("devices", ("devices",)),
    ("vpn and pki", ("vpn", "pki")),
    # versions of devices and templates: a bulk job snapshots the devices it changes
    ("history", ("history",)),
    ("fleet", ("fleet",)),
    # acting on devices: SSH sessions, pushes, commands (a push follows a fan-out render)
    ("connection", ("connection",)),
    ("io", ("io",)),
    (
        "presentation",
        (
            "controller",
            "api",
            "base.admin",
            "admin",
            "views",
            "urls",
            "utils",
            "middleware",
            "contentpolicy",
            "templatetags",
            "assets",
            "management",
        ),
    ),
    # what ready() connects (apps.READY_HOOKS names them by dotted path)
    ("wiring", ("checks", "receivers", "tasks", "wiring")),
)

#: Imported inside functions on purpose: extras a site may not install, modules of one
#: platform, and cryptography (megabytes per process, only for PKI operations).
OPTIONAL_DEPENDENCIES = frozenset(
    {
        "celery",
        "kombu",
        "redis",
        "django_redis",
        "reversion",
        "paramiko",
        "gevent",
        "psycopg",
        "psycopg2",
        "cryptography",
        "fcntl",
        "msvcrt",
    }
)

#: Imports exempt from the layer and function rules for good: Django loads the concrete
#: models after the app configs, so __setmodels__ imports them when ready() runs; the
#: content types are read with django-reversion only (an app a site may not install).
LATE_IMPORTS = frozenset(
    {
        (f"{PACKAGE}.apps", f"{PACKAGE}.models"),
        (f"{PACKAGE}.history.versions", "django.contrib.contenttypes.models"),
    }
)


def _full(name: str) -> str:
    return f"{PACKAGE}.{name}" if name else PACKAGE


def layer_of(module: str) -> int:
    """The layer's index of ``module`` (KeyError when no layer names it)."""
    best: tuple[int, int] | None = None
    for index, (_title, prefixes) in enumerate(LAYERS):
        for prefix in map(_full, prefixes):
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), index)
    if best is None or (best[0] == len(PACKAGE) and module != PACKAGE):
        raise KeyError(module)
    return best[1]


@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return find_modules(PACKAGE_DIR)


@pytest.fixture(scope="module")
def imports(modules: dict[str, Module]) -> list[Import]:
    return all_imports(modules)


def _short(name: str) -> str:
    return name.removeprefix(PACKAGE + ".")


def _none(found: set, what: str) -> None:
    """Fail with the list of ``found``, if any."""
    lines = [f"{what} (fix them):"] + [f"    {entry!r}," for entry in sorted(found)]
    assert not found, "\n".join(lines)


def test_every_module_has_a_layer(modules: dict[str, Module]) -> None:
    unplaced = []
    for name in modules:
        try:
            layer_of(name)
        except KeyError:
            unplaced.append(name)
    assert not unplaced, f"add these modules to LAYERS: {unplaced}"


def test_no_import_circle(modules: dict[str, Module], imports: list[Import]) -> None:
    found = {(_short(a), _short(b)) for a, b in cycle_edges(imports, modules)}
    _none(found, "imports in a circle")


def test_no_lower_layer_imports_a_higher_one(
    modules: dict[str, Module], imports: list[Import]
) -> None:
    found = {
        (_short(edge.source), _short(edge.target))
        for edge in imports
        if edge.target in modules
        and (edge.source, edge.target) not in LATE_IMPORTS
        and layer_of(edge.target) > layer_of(edge.source)
    }
    _none(found, "imports of a higher layer")


def test_no_import_inside_a_function_except_optional_dependencies(
    imports: list[Import],
) -> None:
    found = {
        (_short(edge.source), _short(edge.target))
        for edge in imports
        if edge.in_function
        and edge.target.split(".")[0] not in OPTIONAL_DEPENDENCIES
        and (edge.source, edge.target) not in LATE_IMPORTS
    }
    _none(found, "imports inside functions")


def test_no_module_over_400_lines(modules: dict[str, Module]) -> None:
    found = {_short(m.name) for m in modules.values() if m.lines > MAX_LINES}
    _none(found, f"modules over {MAX_LINES} lines")


def _folder(module: str) -> Path:
    return PACKAGE_DIR.parent.joinpath(*module.split("."))


def test_ruff_bans_the_imports_of_higher_layers() -> None:
    """The folder of each layer below the presentation has a ruff.toml whose banned-api
    (TID251) names the layers above it: ruff refuses a wrong-way import as it is written."""
    top = next(i for i, (title, _prefixes) in enumerate(LAYERS) if title == "presentation")
    folders = {
        _full(p) for _title, prefixes in LAYERS for p in prefixes if _folder(_full(p)).is_dir()
    }
    for name in sorted(folders):
        layer = layer_of(name)
        if layer >= top:
            continue  # the top layers may import everything below them
        expected = {_full(p) for _title, prefixes in LAYERS[layer + 1 :] for p in prefixes}
        config = _folder(name) / "ruff.toml"
        assert config.exists(), f"{config} is missing"
        lint = tomllib.loads(config.read_text())["lint"]
        banned = set(lint["flake8-tidy-imports"]["banned-api"])
        assert banned == expected, f"{config}: bans {sorted(banned ^ expected)} differ"
