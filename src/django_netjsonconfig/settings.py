"""Application settings, read lazily.

Every setting is ``NETJSONCONFIG_<NAME>`` in the Django settings; this module
exposes it as ``app_settings.<NAME>`` with the documented default. Values are
read from ``django.conf.settings`` at every access, so ``override_settings``
works in tests and nothing is frozen at import time. Derived values (imported
backend classes) are cached and dropped when a setting changes.
"""

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

PREFIX = "NETJSONCONFIG_"

_UNSET = object()
T = TypeVar("T")

DEFAULTS: dict[str, Any] = {
    "BACKENDS": (
        ("netjsonconfig.OpenWrt", "OpenWRT"),
        ("netjsonconfig.OpenWisp", "OpenWISP Firmware 1.x"),
    ),
    "VPN_BACKENDS": (
        ("django_netjsonconfig.vpn_backends.OpenVpn", "OpenVPN"),
        ("django_netjsonconfig.vpn_backends.WireGuard", "WireGuard"),
        ("django_netjsonconfig.vpn_backends.VxlanWireguard", "VXLAN over WireGuard"),
    ),
    # None means "the first of BACKENDS"; an explicit None in the Django
    # settings forces the user to choose (see ``default_backend``).
    "DEFAULT_BACKEND": _UNSET,
    "DEFAULT_VPN_BACKEND": _UNSET,
    "REGISTRATION_ENABLED": True,
    "CONSISTENT_REGISTRATION": True,
    "REGISTRATION_SELF_CREATION": True,
    "SHARED_SECRET": "",
    "CONTEXT": {},
    "DEFAULT_AUTO_CERT": True,
    "CERT_PATH": "/etc/x509",
    "COMMON_NAME_FORMAT": "{mac_address}-{name}",
    "MANAGEMENT_IP_DEVICE_LIST": True,
    "BACKEND_DEVICE_LIST": True,
    "HARDWARE_ID_ENABLED": False,
    "HARDWARE_ID_AS_NAME": True,
    "SHARED_MANAGEMENT_IP_ADDRESS_SPACE": True,
    # reverse proxies whose X-Forwarded-For gives the device's address (see middleware.py)
    "TRUSTED_PROXIES": (),
    # largest request body a device endpoint accepts, in bytes
    "MAX_DEVICE_REQUEST_SIZE": 64 * 1024,
    "USER_COMMANDS": (),
    # Redis for cross-process invalidation of the poll cache (None: embedded mode)
    "REDIS_URL": None,
    # embedded mode: the file holding the shared invalidation counter (None: temp dir)
    "GENERATION_FILE": None,
    # devices whose poll answer a process keeps in memory
    "POLL_CACHE_SIZE": 200_000,
    # read the devices in bulk into a process's poll cache at its first miss (and again
    # when misses pile up), so that polls do not each go to the database to fill it
    "POLL_CACHE_WARM": True,
    # bytes of configuration archives a process keeps in memory for the download endpoint
    # (keyed by config and checksum, least recently used evicted first; 0 disables it)
    "ARCHIVE_CACHE_BYTES": 8 * 1024 * 1024,
    # configs re-rendered per background task
    "RENDER_BATCH_SIZE": 500,
    # seconds between two checks, by each process, for configs rendered with older global
    # variables or backends by another process (a rolling restart); None: at the first poll
    # after a change of settings only
    "CONTEXT_RECHECK_INTERVAL": 60,
    # how fan-out re-renders run: "celery", "thread", "inline", or None (automatic)
    "FANOUT": None,
    # embedded mode: seconds between two sweeps of each web process for background work
    # left undone by a process that ended (a shell, a command); 0 or None: no sweeper
    "SWEEP_INTERVAL": 5,
    # admin bulk actions over more devices than this run in the background, in batches of
    # this size (see fleet/bulk.py)
    "BULK_SYNC_LIMIT": 500,
    # the REST API (docs/api.md): the largest page_size of a list, and how many token
    # requests one address may make (DRF's rate syntax: "10/minute")
    "API_MAX_PAGE_SIZE": 100,
    "API_TOKEN_RATE": "10/minute",
    # PKI (see docs/vpn.md): defaults of new certificate authorities and certificates
    "DEFAULT_KEY_LENGTH": 2048,
    "DEFAULT_DIGEST": "sha256",
    "DEFAULT_CA_VALIDITY": 3650,  # days
    "DEFAULT_CERT_VALIDITY": 365,  # days
    # bits of the Diffie-Hellman parameters generated for OpenVPN servers
    "DH_LENGTH": 2048,
    # acting on devices (docs/connection.md): Fernet keys of the credentials' secrets,
    # first one encrypts, all decrypt (empty: a key derived from SECRET_KEY)
    "CREDENTIALS_KEYS": (),
    # SSH: seconds for the TCP connection, the server's banner, the authentication and
    # one command
    "SSH_CONNECT_TIMEOUT": 5,
    "SSH_BANNER_TIMEOUT": 10,
    "SSH_AUTH_TIMEOUT": 5,
    "SSH_COMMAND_TIMEOUT": 30,
    # characters of a command's output kept (the rest is cut, and the cut is marked)
    "COMMAND_OUTPUT_MAX": 64 * 1024,
    # devices a fleet push talks to at the same time (one process)
    "PUSH_CONCURRENCY": 10,
    # notifications (docs/notifications.md): seconds during which new events of a type
    # join a user's unread notification of that type (and no second e-mail is sent)
    "NOTIFICATION_GROUP_WINDOW": 900,
    # the site's address ("https://config.example.org"), for the links of e-mails
    "NOTIFICATION_BASE_URL": "",
}


class AppSettings:
    """Attribute access to ``NETJSONCONFIG_*`` settings with defaults."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        self._defaults = defaults
        self._cache: dict[Any, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name not in self._defaults:
            raise AttributeError(f"unknown netjsonconfig setting: {name}")
        value = getattr(django_settings, PREFIX + name, self._defaults[name])
        if name == "DEFAULT_BACKEND" and value is _UNSET:
            value = self.BACKENDS[0][0] if self.BACKENDS else None
        elif name == "DEFAULT_VPN_BACKEND" and value is _UNSET:
            value = self.VPN_BACKENDS[0][0] if self.VPN_BACKENDS else None
        return value

    def cached(self, key: Hashable, factory: Callable[[], T]) -> T:
        """Memoize a value derived from settings until the next setting change."""
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = factory()
            return value

    def reload(self) -> None:
        self._cache.clear()

    # --- derived values -------------------------------------------------
    def backend_choices(self) -> tuple[tuple[str, str], ...]:
        return tuple((path, label) for path, label in self.BACKENDS)

    def vpn_backend_choices(self) -> tuple[tuple[str, str], ...]:
        return tuple((path, label) for path, label in self.VPN_BACKENDS)

    def backend_class(self, path: str) -> Any:
        """The class of a configured backend; ``KeyError`` for one not configured."""
        allowed = dict(self.BACKENDS)
        allowed.update(dict(self.VPN_BACKENDS))
        if path not in allowed:
            raise KeyError(path)
        return self.cached(("backend", path), lambda: import_string(path))


app_settings = AppSettings(DEFAULTS)


@receiver(setting_changed)
def _reload_app_settings(*, setting: str, **kwargs: Any) -> None:
    # the caches derived from settings (the poll cache, the archive cache) listen to
    # setting_changed themselves: this module depends on nothing of the app
    if setting.startswith(PREFIX) or setting in ("DEBUG", "DATABASES"):
        app_settings.reload()
