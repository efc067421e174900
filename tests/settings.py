"""Settings for the test suite (the installed app)."""

import os
from typing import Any

from django_netjsonconfig.contentpolicy import admin_policy

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "tests-only-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
    # the REST API (docs/api.md)
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
]

MIDDLEWARE = [
    # first: the controller header on every answer under the controller's paths
    "django_netjsonconfig.middleware.ControllerHeaderMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # the admin's Content-Security-Policy, as in demo/settings.py (the browser tests
    # fail on any violation of it)
    "django_netjsonconfig.contentpolicy.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES: dict[str, Any] = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(BASE_DIR, "test.sqlite3"),
        # a file, so that threads in the concurrency tests share it
        "TEST": {"NAME": os.path.join(BASE_DIR, f".test-db-{os.getpid()}.sqlite3")},
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}
if os.environ.get("TEST_DATABASE_URL"):
    import dj_database_url

    DATABASES["default"] = dj_database_url.parse(os.environ["TEST_DATABASE_URL"])

# the admin's Content-Security-Policy, as the demo site's: no inline script or style
CONTENT_SECURITY_POLICY = admin_policy()

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STATIC_URL = "/static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

NETJSONCONFIG_SHARED_SECRET = "t3st-shared-secret"
NETJSONCONFIG_FANOUT = "inline"  # re-render at once: tests read the result right away
NETJSONCONFIG_DH_LENGTH = 512  # OpenVPN servers' DH parameters: fast to generate in tests
# no background warm-up thread reading a test's database; tests/http/test_pollcache_warm.py
# turns it on where it is the subject
NETJSONCONFIG_POLL_CACHE_WARM = False
# no periodic query in the poll path of a test that counts queries; the tests of the
# settings stamp turn it on
NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL = None

# the REST API's schema (docs/api.md): drf-spectacular's, as its annotations need
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
