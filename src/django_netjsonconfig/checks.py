"""Start-up checks, connected by the app config's ``ready()`` (:func:`connect`)."""

import base64
import os
from collections.abc import Iterable
from string import Formatter
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core import checks
from django.core.checks import CheckMessage
from django.core.exceptions import ImproperlyConfigured
from django.db.backends.signals import connection_created
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

from . import TEMPLATES_DIR
from .apps import _written_aliases, get_models_app, immediate_sqlite_transactions
from .base import sealed
from .base.admin.fields import VENDOR_CSS, VENDOR_JS
from .queue.modes import broker_configured, celery_installed
from .settings import app_settings
from .tasks import CELERY_MISSING

#: What a system check returns.
CheckResult = list[CheckMessage]


def connect(app_config: AppConfig) -> None:
    """Refuse a production site without a shared secret, register the system checks
    and make the SQLite transactions of the app's databases immediate."""
    check_shared_secret()
    for check in (
        check_sqlite_transactions,
        check_assets,
        check_celery,
        check_common_name_format,
        check_credentials_keys,
    ):
        checks.register(check)
    checks.register(check_credentials_keys_set, deploy=True)
    connection_created.connect(
        immediate_sqlite_transactions, dispatch_uid="netjsonconfig-sqlite-immediate"
    )


def check_shared_secret() -> None:
    """An empty shared secret is refused in production (the seed's rule)."""
    if not settings.DEBUG and app_settings.REGISTRATION_ENABLED and not app_settings.SHARED_SECRET:
        raise ImproperlyConfigured(
            "NETJSONCONFIG_SHARED_SECRET must be set when DEBUG is False "
            "and automatic registration is enabled"
        )


def check_sqlite_transactions(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> CheckResult:
    """A SQLite database the app writes to, set to deferred transactions: concurrent
    writes fail at once with "database is locked" (see apps.immediate_sqlite_transactions,
    which makes them immediate when the settings do not choose)."""
    try:
        aliases = _written_aliases(get_models_app())
    except ImproperlyConfigured:
        return []
    messages: CheckResult = []
    databases: dict[str, Any] = settings.DATABASES
    for alias in sorted(aliases):
        database = databases.get(alias) or {}
        mode = (database.get("OPTIONS") or {}).get("transaction_mode")
        if "sqlite" not in database.get("ENGINE", "") or str(mode).upper() != "DEFERRED":
            continue
        messages.append(
            checks.Warning(
                f'DATABASES["{alias}"] starts deferred SQLite transactions: when a device '
                "registers while a template or group is saved, one of them fails with "
                '"database is locked" (a deferred transaction cannot wait for the write '
                "lock, whatever the timeout)",
                hint=f'Put "transaction_mode": "IMMEDIATE" in DATABASES["{alias}"]["OPTIONS"], '
                "or leave it out: the app then starts immediate transactions itself. "
                'WAL mode lets readers work while one connection writes: "init_command": '
                '"PRAGMA journal_mode=WAL;".',
                id="django_netjsonconfig.W001",
            )
        )
    return messages


ASSETS_HINT = (
    'List "django_netjsonconfig.assets" in INSTALLED_APPS: an app that extends '
    "django-netjsonconfig does not install django_netjsonconfig, whose admin templates, "
    "template tags and static files it still needs (see docs/extending.md)"
)


def _our_templates() -> list[str]:
    root = TEMPLATES_DIR
    found = []
    for folder, _dirs, files in os.walk(root):
        found += [
            os.path.relpath(os.path.join(folder, name), root).replace(os.sep, "/")
            for name in files
            if name.endswith(".html")
        ]
    # the change form first: the page that loses the most without it
    return sorted(found, key=lambda name: (not name.endswith("/change_form.html"), name))


def check_assets(app_configs: Iterable[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """The admin finds our templates (and their template tags) and our static files."""
    messages: CheckResult = []
    for name in _our_templates():
        try:
            get_template(name)
        except TemplateDoesNotExist:
            messages.append(
                checks.Error(
                    f'the admin templates of django-netjsonconfig are not found ("{name}"): '
                    "the change pages would lose their preview and download buttons, the "
                    "device list its fleet views",
                    hint=ASSETS_HINT,
                    id="django_netjsonconfig.E002",
                )
            )
            break
        except TemplateSyntaxError as error:
            messages.append(
                checks.Error(
                    f'the admin template "{name}" does not load: {error}',
                    hint=ASSETS_HINT,
                    id="django_netjsonconfig.E003",
                )
            )
            break
    if not apps.is_installed("django.contrib.staticfiles"):
        return messages
    if finders.find("django_netjsonconfig/js/config-editor.js") is None:
        messages.append(
            checks.Error(
                "the static files of django-netjsonconfig (the configuration editor) are not found",
                hint=ASSETS_HINT,
                id="django_netjsonconfig.E004",
            )
        )
        return messages
    absent = [path for path in (*VENDOR_JS, *VENDOR_CSS) if finders.find(path) is None]
    if absent:
        messages.append(
            checks.Warning(
                "the configuration editor's browser libraries are not installed "
                f"({', '.join(absent)}): the admin edits configurations as plain JSON",
                hint="Install a wheel built with them (make dist), or run `make assets` "
                "in a source checkout",
                id="django_netjsonconfig.W002",
            )
        )
    return messages


def check_celery(app_configs: Iterable[AppConfig] | None = None, **kwargs: Any) -> CheckResult:
    """Celery is an extra: asked for, it must be installed."""
    if celery_installed():
        return []
    if app_settings.FANOUT == "celery":
        return [
            checks.Error(
                'NETJSONCONFIG_FANOUT is "celery" but Celery is not installed',
                hint=CELERY_MISSING,
                id="django_netjsonconfig.E005",
            )
        ]
    if broker_configured():
        return [
            checks.Warning(
                "CELERY_BROKER_URL is set but Celery is not installed: background work "
                "(re-renders, bulk jobs) runs in threads of the web processes",
                hint="pip install 'django-netjsonconfig[celery]' and run a worker, or "
                "remove CELERY_BROKER_URL",
                id="django_netjsonconfig.W003",
            )
        ]
    return []


def check_common_name_format(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> CheckResult:
    """A certificate's common name is public (the VPN server logs it, view-only staff see
    it): it must not carry the device's key, which lets anyone fetch its configuration."""
    try:
        names = {
            field
            for _text, field, _spec, _conv in Formatter().parse(app_settings.COMMON_NAME_FORMAT)
            if field is not None
        }
    except ValueError as exc:
        return [
            checks.Error(
                f"NETJSONCONFIG_COMMON_NAME_FORMAT is not a valid format: {exc}",
                hint="for example '{mac_address}-{name}'",
                id="django_netjsonconfig.E006",
            )
        ]
    if any(name.split(".")[0].split("[")[0] == "key" for name in names):
        return [
            checks.Error(
                "NETJSONCONFIG_COMMON_NAME_FORMAT uses {key}: certificates are public, and "
                "the device key lets whoever reads it download the device's configuration",
                hint="use {mac_address}, {name}, {id} or {hardware_id}",
                id="django_netjsonconfig.E006",
            )
        ]
    return []


def check_credentials_keys(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> CheckResult:
    """Each key of ``NETJSONCONFIG_CREDENTIALS_KEYS`` is a Fernet key."""
    bad = []
    for index, key in enumerate(sealed.configured_keys()):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode())) == 32
        except ValueError:
            valid = False
        if not valid:
            bad.append(str(index))
    if not bad:
        return []
    return [
        checks.Error(
            "NETJSONCONFIG_CREDENTIALS_KEYS: the key(s) at position "
            + ", ".join(bad)
            + " are not Fernet keys (32 bytes in URL-safe base64)",
            hint="generate one with: python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'",
            id="django_netjsonconfig.E007",
        )
    ]


def check_credentials_keys_set(
    app_configs: Iterable[AppConfig] | None = None, **kwargs: Any
) -> CheckResult:
    """``check --deploy``: without ``NETJSONCONFIG_CREDENTIALS_KEYS`` the credentials'
    secrets are encrypted with a key derived from ``SECRET_KEY``."""
    if sealed.configured_keys():
        return []
    return [
        checks.Warning(
            "NETJSONCONFIG_CREDENTIALS_KEYS is not set: the devices' passwords and private "
            "keys are encrypted with a key derived from SECRET_KEY, and changing SECRET_KEY "
            "makes them unreadable",
            hint="set NETJSONCONFIG_CREDENTIALS_KEYS to a list of Fernet keys (docs/connection.md)",
            id="django_netjsonconfig.W004",
        )
    ]
