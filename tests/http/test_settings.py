import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from django_netjsonconfig.checks import check_shared_secret
from django_netjsonconfig.settings import app_settings

from ..basics import ROOT


def test_settings_have_the_seeds_defaults():
    assert app_settings.BACKENDS[0][0] == "netjsonconfig.OpenWrt"
    assert app_settings.DEFAULT_BACKEND == "netjsonconfig.OpenWrt"
    assert app_settings.DEFAULT_VPN_BACKEND == "django_netjsonconfig.vpn_backends.OpenVpn"
    assert app_settings.REGISTRATION_ENABLED is True
    assert app_settings.CONSISTENT_REGISTRATION is True
    assert app_settings.CONTEXT == {}
    assert app_settings.DEFAULT_AUTO_CERT is True
    assert app_settings.CERT_PATH == "/etc/x509"
    assert app_settings.COMMON_NAME_FORMAT == "{mac_address}-{name}"


def test_settings_are_read_lazily(settings):
    settings.NETJSONCONFIG_CONTEXT = {"a": 1}
    assert app_settings.CONTEXT == {"a": 1}


def test_the_default_backend_follows_the_backends_setting(settings):
    settings.NETJSONCONFIG_BACKENDS = (("netjsonconfig.OpenWisp", "OpenWISP"),)
    assert app_settings.DEFAULT_BACKEND == "netjsonconfig.OpenWisp"


def test_the_default_backend_may_be_none(settings):
    settings.NETJSONCONFIG_DEFAULT_BACKEND = None
    assert app_settings.DEFAULT_BACKEND is None


def test_an_unknown_setting_is_an_attribute_error():
    with pytest.raises(AttributeError):
        app_settings.NOT_A_SETTING  # noqa: B018


def test_an_empty_shared_secret_in_production_fails_start_up(settings):
    settings.DEBUG = False
    settings.NETJSONCONFIG_SHARED_SECRET = ""
    with pytest.raises(ImproperlyConfigured, match="NETJSONCONFIG_SHARED_SECRET"):
        check_shared_secret()


def test_an_empty_shared_secret_is_allowed_in_debug(settings):
    settings.DEBUG = True
    settings.NETJSONCONFIG_SHARED_SECRET = ""
    check_shared_secret()


def test_an_empty_shared_secret_is_allowed_without_registration(settings):
    settings.DEBUG = False
    settings.NETJSONCONFIG_SHARED_SECRET = ""
    settings.NETJSONCONFIG_REGISTRATION_ENABLED = False
    check_shared_secret()


def test_the_app_refuses_to_start_with_an_empty_secret_in_production(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings_no_secret")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


@pytest.mark.django_db
def test_adding_a_backend_needs_no_migration(settings):
    settings.NETJSONCONFIG_BACKENDS = app_settings.BACKENDS + (("tests.backends.Custom", "Custom"),)
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
