"""Start-up checks."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .settings import app_settings


def check_shared_secret():
    """An empty shared secret is refused in production (the seed's rule)."""
    if not settings.DEBUG and app_settings.REGISTRATION_ENABLED and not app_settings.SHARED_SECRET:
        raise ImproperlyConfigured(
            "NETJSONCONFIG_SHARED_SECRET must be set when DEBUG is False "
            "and automatic registration is enabled"
        )


def check_sqlite_transactions(app_configs=None, **kwargs):
    """A SQLite database the app writes to, set to deferred transactions: concurrent
    writes fail at once with "database is locked" (see apps.immediate_sqlite_transactions,
    which makes them immediate when the settings do not choose)."""
    from .apps import _written_aliases, get_models_app

    try:
        aliases = _written_aliases(get_models_app())
    except ImproperlyConfigured:
        return []
    messages = []
    for alias in sorted(aliases):
        database = settings.DATABASES.get(alias) or {}
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
