"""The vpn, pki, io, history and connection rooms import cleanly, each module first of all, and
the models do not import them.

Each module is imported in a fresh interpreter as the first module of the package
(when Django loads the models, before our own models module): an import circle that
only a given import order hides fails here. The models reach those rooms through
hook lists the app fills when it starts (``django_netjsonconfig.wiring``), so
importing the models loads none of them.
"""

import ast
import json
import os
import pkgutil
import subprocess
import sys
import textwrap
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "django_netjsonconfig"
ROOMS = ("vpn", "pki", "io", "history", "connection")
SERVICE_PREFIXES = tuple(f"django_netjsonconfig.{room}." for room in ROOMS) + (
    "django_netjsonconfig.wiring",
)
OTHER_MODULES = (
    "django_netjsonconfig.wiring",
    "django_netjsonconfig.base.template",
    "django_netjsonconfig.base.vpn",
    "django_netjsonconfig.base.pki",
    "django_netjsonconfig.base.admin.vpn",
    "django_netjsonconfig.base.admin.pki",
)


def room_modules() -> list[str]:
    names = [
        f"django_netjsonconfig.{room}.{info.name}"
        for room in ROOMS
        for info in pkgutil.iter_modules([str(PACKAGE / room)])
    ]
    return sorted(names) + list(OTHER_MODULES)


# Django loads the models of each app (``import_models``) once every app config is
# created: the first moment a module defining abstract models can be imported. There,
# before our own models, the script forks once per module: each child imports its
# module into an interpreter where nothing of the rooms is loaded yet, and reports
# what was loaded before it and what failed. With "models", it reports instead what
# importing our models loads.
SCRIPT = textwrap.dedent(
    """
    import importlib
    import json
    import os
    import sys
    import traceback

    import django
    from django_netjsonconfig.apps import DjangoNetjsonconfigApp

    request = json.loads(sys.argv[1])
    prefixes = tuple(request["prefixes"])
    original = DjangoNetjsonconfigApp.import_models

    def loaded():
        return sorted(m for m in sys.modules if m.startswith(prefixes))

    def import_first(target):
        report = {"module": target, "loaded_before": loaded(), "error": ""}
        try:
            importlib.import_module(target)
        except Exception:
            report["error"] = traceback.format_exc()
        print(json.dumps(report), flush=True)

    def import_models(self):
        if request["targets"] == ["models"]:
            original(self)
            print(json.dumps({"module": "models", "loaded_by_models": loaded()}), flush=True)
        else:
            for target in request["targets"]:
                sys.stdout.flush()
                pid = os.fork()
                if pid == 0:
                    import_first(target)
                    os._exit(0)
                os.waitpid(pid, 0)
        os._exit(0)  # what follows (the other models, ready()) is not under test

    DjangoNetjsonconfigApp.import_models = import_models
    django.setup()
    """
)


def run_fresh(targets: list[str], settings_module: str = "tests.settings") -> dict[str, Any]:
    """``{module: report}`` of the script run in a fresh interpreter."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), *filter(None, sys.path)])
    request = json.dumps({"targets": targets, "prefixes": SERVICE_PREFIXES})
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, request],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {report["module"]: report for report in reports}


@cache
def fresh_imports() -> dict[str, Any]:
    return run_fresh(room_modules())


def test_the_rooms_have_the_modules_of_their_jobs() -> None:
    modules = room_modules()

    assert "django_netjsonconfig.vpn.servers" in modules
    assert "django_netjsonconfig.pki.certificates" in modules
    assert "django_netjsonconfig.io.importexport" in modules
    assert "django_netjsonconfig.history.versions" in modules
    assert len(modules) > 30


@pytest.mark.parametrize("module", room_modules())
def test_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    report = fresh_imports()[module]

    assert report["error"] == ""
    assert report["loaded_before"] == []


@pytest.mark.parametrize("settings_module", ["tests.settings", "tests.sample_extension.settings"])
def test_models_do_not_import_the_vpn_pki_io_history_services(settings_module: str) -> None:
    report = run_fresh(["models"], settings_module)["models"]

    assert report["loaded_by_models"] == []


def imported_names(path: Path) -> set[str]:
    """The absolute names of every module ``path`` imports, at any level."""
    module = "django_netjsonconfig." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
    package = module.rsplit(".", 1)[0].split(".")
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            stem = ".".join(base + ([node.module] if node.module else []))
            names.add(stem)
            names.update(f"{stem}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(
    "path",
    [PACKAGE / "models.py", *sorted((PACKAGE / "base").glob("*.py"))],
    ids=lambda path: path.name,
)
def test_model_modules_name_no_service_of_these_rooms_even_inside_a_function(path: Path) -> None:
    services = tuple(prefix.rstrip(".") for prefix in SERVICE_PREFIXES)

    wrong = sorted(name for name in imported_names(path) if name.startswith(services))

    assert wrong == []
