"""The extension recipe of docs/extending.md, followed from outside.

A fresh project (``django-admin startproject``, Django's default settings and SQLite) gets
exactly the files of the recipe's code blocks; ``manage.py`` runs in a subprocess whose
``sys.path`` does not hold this repository. The recipe works as written (migrations, the
admin's device page with the configuration editor and its static files, a device
registering), and each mistake it makes easy stops the site at start-up with a message
that says what to write.
"""

import os

import pytest

from ..basics import ROOT
from ..outside_helpers import (
    assert_checks_pass,
    copy_project,
    drop_class,
    edit,
    manage,
    need_assets,
    probe,
    serve_static_in_tests,
    startproject,
    write_recipe,
)

pytestmark = pytest.mark.slow

SETTINGS = "mysite/settings.py"
ASSETS_LINE = '    "django_netjsonconfig.assets",\n'


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    """The recipe's project, before makemigrations (copied by each test)."""
    root = startproject(tmp_path_factory.mktemp("recipe") / "project")
    write_recipe(root)
    return root


@pytest.fixture
def project(recipe, tmp_path):
    return copy_project(recipe, tmp_path / "project")


def test_the_recipe_has_every_file_of_the_app(recipe):
    for path in ("yourapp/apps.py", "yourapp/models.py", "yourapp/admin.py"):
        assert (recipe / path).exists(), path
    for path in ("yourapp/controller/views.py", "yourapp/controller/urls.py", "mysite/urls.py"):
        assert (recipe / path).exists(), path
    assert "django_netjsonconfig.assets" in (recipe / SETTINGS).read_text()


def test_the_recipe_as_written_serves_the_admin_with_the_editor(project):
    need_assets()
    assert_checks_pass(*manage(project, "check"))
    code, out = manage(project, "makemigrations", "config")
    assert code == 0, out
    code, out = manage(project, "migrate", "--noinput")
    assert code == 0, out
    serve_static_in_tests(project)

    report = probe(project, "/admin/config/device/add/")

    assert str(ROOT) not in report["sys_path"]
    assert report["login"] == 302 and report["login_redirect"] == "/admin/"
    assert report["index"] == 200 and report["index_dashboard"]
    assert report["page"] == 200
    assert report["preview_buttons"], "the change form is not ours"
    assets = report["assets"]
    for name in ("vendor/jsoneditor.js", "js/config-editor.js", "css/admin.css"):
        url = f"/static/django_netjsonconfig/{name}"
        assert url in assets, sorted(assets)
        status, size = assets[url]
        assert status == 200 and size > 0, (url, status, size)
    assert report["register"] == 201, report["register_body"]
    assert report["register_header"] == "true"


def test_the_app_config_listed_by_its_dotted_path_works_too(project):
    edit(project / SETTINGS, '    "yourapp",\n', '    "yourapp.apps.YourAppConfig",\n')
    assert_checks_pass(*manage(project, "check"))


@pytest.mark.parametrize(
    "model, where",
    [
        ("Device", "Config.device is 'Device'"),
        ("DeviceGroup", "Device.group is 'DeviceGroup'"),
        ("Template", "Config.templates is 'config.Template'"),
        ("Vpn", "VpnClient.vpn is 'config.Vpn'"),
        ("Ca", "Vpn.ca is 'Ca'"),
        ("Cert", "Vpn.cert is 'Cert'"),
    ],
)
def test_a_missing_model_is_named_with_what_to_write(project, model, where):
    drop_class(project / "yourapp/models.py", model)
    base = f"Abstract{model}"

    code, out = manage(project, "check")

    assert code != 0
    assert "has no attribute '_meta'" not in out
    assert "ImproperlyConfigured: yourapp.apps.YourAppConfig: the app's models are" in out
    assert f"No {model} model: {where}, which is not an installed model" in out
    assert f"    class {model}({base}):\n        class Meta({base}.Meta):" in out
    assert f"self.{model.lower()}_model = {model}" in out


def test_setmodels_without_a_config_model_says_what_to_write(project):
    edit(project / "yourapp/apps.py", "        self.config_model = Config\n", "")
    code, out = manage(project, "check")
    assert code != 0
    assert "YourAppConfig.__setmodels__() names no config model" in out
    assert "self.config_model = Config" in out


def test_an_app_config_django_does_not_find_is_named(project):
    # outside apps.py, Django gives "yourapp" a plain AppConfig (label "yourapp"): the
    # models' "config.Template" point nowhere
    os.rename(project / "yourapp/apps.py", project / "yourapp/appconfig.py")

    code, out = manage(project, "check")

    assert code != 0
    assert "has no attribute" not in out and "found 0" not in out
    assert 'the app "yourapp" has models that extend django-netjsonconfig\'s' in out
    assert "its app config is django.apps.config.AppConfig" in out
    assert 'in INSTALLED_APPS instead of "yourapp"' in out


def test_installing_django_netjsonconfig_too_is_refused(project):
    edit(project / SETTINGS, ASSETS_LINE, '    "django_netjsonconfig",\n')
    code, out = manage(project, "check")
    assert code != 0
    assert "INSTALLED_APPS has 2: yourapp.apps.YourAppConfig, django_netjsonconfig" in out
    assert "keep one of them" in out


def test_without_the_assets_app_the_check_says_what_to_list(project):
    edit(project / SETTINGS, ASSETS_LINE, "")

    code, out = manage(project, "check")

    assert code != 0
    assert "(django_netjsonconfig.E002) the admin templates of django-netjsonconfig are not " in out
    assert '"admin/django_netjsonconfig/change_form.html"' in out
    assert "(django_netjsonconfig.E004) the static files of django-netjsonconfig" in out
    assert 'HINT: List "django_netjsonconfig.assets" in INSTALLED_APPS' in out


LEGACY = """
import django_netjsonconfig

TEMPLATES[0]["DIRS"] += [django_netjsonconfig.TEMPLATES_DIR]
STATICFILES_DIRS = [django_netjsonconfig.STATIC_DIR]
"""
LIBRARIES = """TEMPLATES[0]["OPTIONS"]["libraries"] = {
    "netjsonconfig_admin": "django_netjsonconfig.templatetags.netjsonconfig_admin",
}
"""


def test_the_directories_by_path_still_work(project):
    edit(project / SETTINGS, ASSETS_LINE, "")
    with (project / SETTINGS).open("a") as out:
        out.write(LEGACY + LIBRARIES)
    assert_checks_pass(*manage(project, "check"))


def test_the_directories_by_path_without_the_template_library_are_named(project):
    edit(project / SETTINGS, ASSETS_LINE, "")
    with (project / SETTINGS).open("a") as out:
        out.write(LEGACY)
    code, out = manage(project, "check")
    assert code != 0
    assert "(django_netjsonconfig.E003)" in out
    assert "netjsonconfig_admin" in out
