"""The package as pip installs it, in a fresh virtualenv and a fresh project.

The sdist and the wheel are those of ``make dist`` (``python -m build``: the sdist, then
the wheel from it), run in a copy of the source tree with the browser libraries that
``make assets`` copied; the wheel is installed with its dependencies
(no extra: no Celery) into a new virtualenv, and a project made there with
``django-admin startproject`` embeds the app as README.md says. Nothing of this
repository is on that project's ``sys.path``: the admin's device page must serve the
configuration editor (jsoneditor.js and config-editor.js, 200 from the static files).
"""

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from ..basics import ROOT
from ..outside_helpers import (
    clean_env,
    manage,
    need_assets,
    probe,
    run,
    serve_static_in_tests,
    startproject,
)

pytestmark = pytest.mark.slow

EDITOR = "django_netjsonconfig/vendor/jsoneditor.js"
SETTINGS = """
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_netjsonconfig",
    "sortedm2m",
    "reversion",
    "django.contrib.admin",
]
NETJSONCONFIG_SHARED_SECRET = "wheel-test-secret"
"""
URLS = """from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("django_netjsonconfig.controller.urls", namespace="controller")),
    path("", include("django_netjsonconfig.urls", namespace="netjsonconfig")),
]
"""


@pytest.fixture(scope="session")
def dist(tmp_path_factory):
    """``(sdist, wheel)`` of ``make dist``, run once per test session in a copy of the
    source tree (with the browser libraries ``make assets`` copied, and this checkout's
    virtualenv and node_modules, both up to date: nothing is installed)."""
    need_assets()
    source = tmp_path_factory.mktemp("dist") / "source"
    source.mkdir()
    for name in ("Makefile", "pyproject.toml", "README.md", "package.json", "package-lock.json"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    (source / "node_modules").symlink_to(ROOT / "node_modules")
    # the virtualenv's stamp is newer than this pyproject.toml: `make venv` has nothing to do
    stamp = Path(sys.prefix) / ".installed"
    if stamp.exists():
        older = stamp.stat().st_mtime - 1
        os.utime(source / "pyproject.toml", (older, older))
    done = subprocess.run(
        ["make", "--no-print-directory", "dist", f"VENV={sys.prefix}"],
        cwd=source,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "pip install" not in done.stdout, "make dist re-installed the virtualenv"
    (sdist,) = (source / "dist").glob("*.tar.gz")
    (wheel,) = (source / "dist").glob("*.whl")
    return sdist, wheel


@pytest.fixture(scope="session")
def installed(dist, tmp_path_factory):
    """The python of a new virtualenv with the wheel installed."""
    venv = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    code, out = run(
        ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(dist[1])],
        venv,
        python,
        timeout=900,
    )
    assert code == 0, out[-3000:]
    return python


def test_the_sdist_and_the_wheel_carry_the_browser_libraries(dist):
    sdist, wheel = dist
    wheel_names = zipfile.ZipFile(wheel).namelist()
    with tarfile.open(sdist) as archive:
        sdist_names = archive.getnames()
    for names in (wheel_names, sdist_names):
        for path in (EDITOR, "django_netjsonconfig/js/config-editor.js"):
            assert any(n.endswith(f"static/{path}") for n in names), path
        assert any(n.endswith("django_netjsonconfig/assets/apps.py") for n in names)
        assert any(
            n.endswith("templates/admin/django_netjsonconfig/change_form.html") for n in names
        )
        assert not any(n.endswith("/.copied") for n in names)


def test_the_installed_wheel_serves_the_editor_in_a_new_project(installed, tmp_path):
    root = startproject(tmp_path / "project", python=installed)
    with (root / "mysite/settings.py").open("a") as out:
        out.write(SETTINGS)
    (root / "mysite/urls.py").write_text(URLS)
    serve_static_in_tests(root)
    code, out = manage(root, "check", python=installed)
    assert code == 0 and "no issues" in out, out  # W002 would say the editor is missing
    code, out = manage(root, "migrate", "--noinput", python=installed)
    assert code == 0, out

    report = probe(root, "/admin/django_netjsonconfig/device/add/", python=installed)

    site_packages = str(installed.parent.parent)
    assert report["package"].startswith(site_packages), report["package"]
    assert not any(p.startswith(str(ROOT)) for p in report["sys_path"]), report["sys_path"]
    assert not report["celery_installed"]  # no extra: Celery is not a dependency
    assert report["login"] == 302 and report["page"] == 200
    assert report["preview_buttons"]
    for url in (f"/static/{EDITOR}", "/static/django_netjsonconfig/js/config-editor.js"):
        assert url in report["assets"], sorted(report["assets"])
        status, size = report["assets"][url]
        assert status == 200 and size > 0, (url, status, size)
    assert report["register"] == 201 and report["register_header"] == "true"
