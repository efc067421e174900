"""Projects made from outside: ``django-admin startproject`` in a temporary directory,
run in subprocesses whose ``sys.path`` does not hold this repository.

- :func:`startproject` makes a project as a developer does;
- :func:`recipe_files` reads the files of the extension recipe from docs/extending.md
  (the code blocks that start with ``# <path>.py``, whole files, or ``(add at the end)``);
- :func:`manage` runs ``manage.py`` in the project, :func:`probe` runs tests/outside_probe.py
  there (log into the admin, open the device page, fetch its scripts, register a device).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from .basics import ROOT

DOC = ROOT / "docs" / "extending.md"
PROBE = Path(__file__).resolve().parent / "outside_probe.py"
VENDOR = ROOT / "src/django_netjsonconfig/static/django_netjsonconfig/vendor"
BLOCK = re.compile(
    r"```python\n# (?P<path>[\w/]+\.py)(?P<add> \(add at the end\))?\n(?P<body>.*?)```", re.S
)
# what the parent process's environment must not give the project's processes
LEAKS = ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "TEST_DATABASE_URL", "DATABASE_URL")


def need_assets():
    """Skip (fail under REQUIRE_SERVICES=1) without the browser libraries of `make assets`."""
    import pytest

    if (VENDOR / "jsoneditor.js").exists():
        return
    reason = "the browser libraries are not in the source tree: run `make assets`"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def assert_checks_pass(code, out):
    """``manage.py check`` passed with no message, but the warning that the editor's
    browser libraries are missing where `make assets` has not run."""
    assert code == 0, out
    found = set(re.findall(r"\((\w+\.\w+)\) ", out))
    allowed = set() if (VENDOR / "jsoneditor.js").exists() else {"django_netjsonconfig.W002"}
    assert found <= allowed and ("no issues" in out or found), out


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in LEAKS}
    env.update(extra)
    return env


def run(args, cwd, python=sys.executable, timeout=300, env=None):
    """``python args...`` in ``cwd``: ``(returncode, stdout + stderr)``."""
    done = subprocess.run(
        [str(python), *args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return done.returncode, done.stdout + done.stderr


def startproject(root, python=sys.executable):
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    code, out = run(["-m", "django", "startproject", "mysite", str(root)], root, python)
    assert code == 0, out
    return root


def recipe_files():
    """``{path: [(add, body)]}`` from the code blocks of docs/extending.md, in order."""
    files = {}
    for match in BLOCK.finditer(DOC.read_text()):
        files.setdefault(match["path"], []).append((bool(match["add"]), match["body"]))
    return files


def write_recipe(root):
    """The files of the recipe, on top of a ``startproject`` project."""
    root = Path(root)
    for path, blocks in recipe_files().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        for add, body in blocks:
            if add:
                with target.open("a") as out:
                    out.write("\n" + body)
            else:
                target.write_text(body)
    for package in ("yourapp", "yourapp/controller"):
        (root / package / "__init__.py").touch()


def edit(path, old, new, count=1):
    path = Path(path)
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


def drop_class(path, name):
    """Remove ``class <name>(...)`` and its body from a module."""
    path = Path(path)
    text = path.read_text()
    pattern = re.compile(rf"\n\nclass {name}\(.*?(?=\n\n\nclass |\n\n\n\w|\Z)", re.S)
    new, count = pattern.subn("", text)
    assert count == 1, f"class {name} not found in {path}"
    path.write_text(new)


def copy_project(source, target):
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite3"))
    return Path(target)


def manage(root, *args, python=sys.executable, timeout=300):
    return run(["manage.py", *args], root, python, timeout)


def serve_static_in_tests(root):
    """Let the test client fetch static files as ``runserver`` serves them (DEBUG)."""
    with (Path(root) / "mysite" / "urls.py").open("a") as out:
        out.write(
            "\nfrom django.contrib.staticfiles.urls import staticfiles_urlpatterns\n"
            "\nurlpatterns += staticfiles_urlpatterns()\n"
        )


def probe(root, device_add_url, python=sys.executable):
    """tests/outside_probe.py in the project: its JSON report."""
    shutil.copy(PROBE, Path(root) / "outside_probe.py")
    code, out = run(["outside_probe.py", device_add_url], root, python)
    assert code == 0, out
    return json.loads(out.strip().splitlines()[-1])
