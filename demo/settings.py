"""Settings of the demo site, read from the environment.

==============================  ===============================================
``DJANGO_SECRET_KEY``           else read from (or generated into) ``VAR_DIR/secret_key``
``DJANGO_DEBUG``                ``1``/``true``/``yes``/``on`` turn debug on; default off
``DJANGO_ALLOWED_HOSTS``        the names and addresses the site answers to, comma-separated;
                                default ``localhost,127.0.0.1,[::1]`` (``make run`` adds HOST)
``DJANGO_CSRF_TRUSTED_ORIGINS`` comma-separated origins, e.g. ``https://example.org``
``DJANGO_HTTPS``                ``1``: served over HTTPS (secure cookies, HTTP redirected,
                                device endpoints excepted); default off
``DJANGO_SECURE_PROXY_SSL_HEADER`` with ``DJANGO_HTTPS``: the header by which the TLS proxy
                                says a request came over HTTPS, e.g. ``X-Forwarded-Proto``
``DJANGO_HSTS_SECONDS``         with ``DJANGO_HTTPS``: HSTS max-age; default 0 (no HSTS)
``DJANGO_HSTS_INCLUDE_SUBDOMAINS`` ``1``: HSTS for every subdomain too; default off
``DJANGO_HSTS_PRELOAD``         ``1``: HSTS preload; default off
``DJANGO_LOGIN_FAILURE_LIMIT``  failed admin logins (one user name, one address) before a
                                lockout; default 5
``DJANGO_LOGIN_LOCKOUT_SECONDS`` how long a lockout lasts; default 900
``DJANGO_LOG_LEVEL``            level of the console log; default ``INFO``
``DATABASE_URL``                any URL dj-database-url understands; default SQLite
                                at ``VAR_DIR/db.sqlite3``
``REDIS_URL``                   when set: Redis cache and Celery broker; otherwise a
                                local-memory cache and Celery tasks run eagerly; a
                                request waits for Redis a quarter of a second at most
``CELERY_BROKER_URL``           with ``REDIS_URL``: another broker than ``REDIS_URL``
``CELERY_VISIBILITY_TIMEOUT``   with ``REDIS_URL``: seconds after which a task whose
                                worker vanished is delivered again; default 600
``NETJSONCONFIG_SHARED_SECRET`` else read from ``VAR_DIR/shared_secret``
``NETJSONCONFIG_CREDENTIALS_KEYS`` comma-separated Fernet keys of the devices' credentials
                                (the first encrypts); else generated into
                                ``VAR_DIR/credentials_key``
``NETJSONCONFIG_TRUSTED_PROXIES`` comma-separated addresses or networks of reverse
                                proxies whose ``X-Forwarded-For`` is the device's address
``NETJSONCONFIG_VAR_DIR``       runtime data (database, secrets, static files);
                                default ``var/`` beside ``manage.py``
``DJANGO_CSP_REPORT_URI``       where browsers report violations of the admin's
                                Content-Security-Policy; default: nowhere
==============================  ===============================================
"""

import base64
import os
import secrets
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def var_dir():
    value = os.environ.get("NETJSONCONFIG_VAR_DIR", "").strip()
    path = Path(value).expanduser() if value else BASE_DIR / "var"
    if not path.is_absolute():
        path = BASE_DIR / path
    return path


def read_secret(path):
    """The stripped content of ``path``, or ``""`` when it does not exist."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return ""


def read_or_create_secret(path, generate=lambda: secrets.token_urlsafe(50)):
    """The secret kept in ``path``, generated (by ``generate()``) the first time.

    The new file is written aside and linked into place, which fails if another
    process won the race: every process then reads the same, complete secret.
    """
    value = read_secret(path)
    if value:
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(generate() + "\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    value = read_secret(path)
    if not value:
        raise ImproperlyConfigured(f"{path} is empty: remove it or set DJANGO_SECRET_KEY")
    return value


VAR_DIR = var_dir()

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or read_or_create_secret(VAR_DIR / "secret_key")
DEBUG = env_bool("DJANGO_DEBUG", False)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# --- deployment: host names, HTTPS ---------------------------------------------------
# The names and addresses the site answers to (devices and browsers alike): a request
# for another one is refused (400), so that a forged Host header cannot make the site
# build links to another site. ``make run`` sets it from HOST (docs/deployment.md).
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < 0:
        raise ImproperlyConfigured(f"{name} must not be negative, not {number}")
    return number


def proxy_ssl_header(name):
    """``X-Forwarded-Proto`` -> ``("HTTP_X_FORWARDED_PROTO", "https")``; None when unset."""
    header = os.environ.get(name, "").strip()
    if not header:
        return None
    if not all(c.isalnum() or c == "-" for c in header):
        raise ImproperlyConfigured(f"{name} must be a header name, e.g. X-Forwarded-Proto")
    return ("HTTP_" + header.upper().replace("-", "_"), "https")


# Served over HTTPS (by a TLS proxy in front, docs/deployment.md): cookies only over
# HTTPS, plain HTTP redirected to HTTPS, except the device endpoints (the agent follows
# no redirect: configure it with the https:// URL) and the health check.
HTTPS = env_bool("DJANGO_HTTPS", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^controller/", r"^healthz$"]
# the header by which the proxy says the request came over HTTPS; the proxy must set it
# on every request (a client could send it too)
SECURE_PROXY_SSL_HEADER = proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")
# HTTP Strict Transport Security: browsers use HTTPS only, for this many seconds
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
if (SECURE_HSTS_SECONDS or SECURE_PROXY_SSL_HEADER) and not HTTPS:
    raise ImproperlyConfigured(
        "DJANGO_HSTS_SECONDS and DJANGO_SECURE_PROXY_SSL_HEADER need DJANGO_HTTPS=1"
    )

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_netjsonconfig",
    "sortedm2m",
    "reversion",
    # after django_netjsonconfig, whose admin templates override the admin's
    "django.contrib.admin",
    # the REST API at /api/v1/ (docs/api.md)
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
]

HAS_WHITENOISE = find_spec("whitenoise") is not None

# reverse proxies whose X-Forwarded-For header is the device's address (docs/deployment.md)
NETJSONCONFIG_TRUSTED_PROXIES = env_list("NETJSONCONFIG_TRUSTED_PROXIES")

MIDDLEWARE = [
    # first: the controller header on every answer under the controller's paths
    "django_netjsonconfig.middleware.ControllerHeaderMiddleware",
    *(
        ["django_netjsonconfig.middleware.ForwardedForMiddleware"]
        if NETJSONCONFIG_TRUSTED_PROXIES
        else []
    ),
    "django.middleware.security.SecurityMiddleware",
    # the Content-Security-Policy of the pages (see below); not on the device endpoints
    "django_netjsonconfig.contentpolicy.CSPMiddleware",
    *(["whitenoise.middleware.WhiteNoiseMiddleware"] if HAS_WHITENOISE else []),
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# --- Content-Security-Policy (django-csp) --------------------------------------------
# scripts, styles and images of the site only; no inline script or style, no eval, no
# framing: a script that data smuggled into a page does not run (docs/admin.md)
if find_spec("csp") is None:
    raise ImproperlyConfigured(
        "django-csp is not installed (the admin's Content-Security-Policy): "
        "pip install 'django-netjsonconfig[site]'"
    )
from django_netjsonconfig.contentpolicy import admin_policy  # noqa: E402

CONTENT_SECURITY_POLICY = admin_policy(
    report_uri=os.environ.get("DJANGO_CSP_REPORT_URI", "").strip() or None
)

# the REST API's schema (docs/api.md): drf-spectacular's, as its annotations need
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

ROOT_URLCONF = "demo.urls"
WSGI_APPLICATION = "demo.wsgi.application"

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
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------
SQLITE_OPTIONS = {
    # WAL lets readers work while one connection writes; IMMEDIATE takes the write
    # lock when a transaction starts, so concurrent writers wait (up to ``timeout``
    # seconds) instead of failing with "database is locked".
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database():
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        if find_spec("dj_database_url") is None:
            raise ImproperlyConfigured(
                "DATABASE_URL is set but dj-database-url is not installed: "
                "pip install 'django-netjsonconfig[site]'"
            )
        import dj_database_url

        db = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    else:
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # a persistent connection per worker: opening one (and running the PRAGMAs)
        # costs more than the query a poll or a download makes
        db["CONN_MAX_AGE"] = 600
        db["CONN_HEALTH_CHECKS"] = True
        db["OPTIONS"] = {**SQLITE_OPTIONS, **db.get("OPTIONS", {})}
        if str(db["NAME"]) != ":memory:":
            Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    return db


DATABASES = {"default": database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and background tasks -----------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    if find_spec("django_redis") is None:
        raise ImproperlyConfigured(
            "REDIS_URL is set but django-redis is not installed: "
            "pip install 'django-netjsonconfig[site]'"
        )
    # --- Redis on the request path: bounded waits ---------------------------------------
    # A Redis that stops answering (stopped, overloaded, partitioned) closes no connection:
    # without a timeout a request waits for it, and redis-py retries a timed-out call ten
    # times. Every call a request makes gives up after REDIS_REQUEST_TIMEOUT seconds, is
    # not retried (a broken connection is made again once), and the request goes on as
    # when Redis is down: the cache misses, a background task stays for later (polls
    # render on demand), the poll cache answers from the database (its own client:
    # django_netjsonconfig/polling/redisgeneration.py). The Celery worker waits longer
    # (demo/celery.py).
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    REDIS_REQUEST_TIMEOUT = 0.25
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_REQUEST_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_REQUEST_TIMEOUT,
                "CONNECTION_POOL_KWARGS": {
                    "retry": Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,))
                },
                # the cache is an optimisation: a Redis that fails is a miss, logged
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # a broker of its own if wanted (a dead one is how the tests show nothing is lost)
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
    # a batch whose worker dies is delivered again (rendering is idempotent)
    CELERY_TASK_ACKS_LATE = True
    CELERY_TASK_REJECT_ON_WORKER_LOST = True
    CELERY_WORKER_PREFETCH_MULTIPLIER = 1
    CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
    # a batch whose worker died without a word (SIGKILL, power loss) is delivered again
    # after this many seconds; abandoned batches are looked for about every tenth of it
    visibility_timeout = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "600"))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": max(1, min(10, visibility_timeout // 10)),
        "unacked_restore_throttle": 1,
        # a broker that hangs (stopped, partitioned) must not hang the request that
        # enqueues: without a timeout a publish waits forever on the dead connection
        "socket_timeout": REDIS_REQUEST_TIMEOUT,
        "socket_connect_timeout": REDIS_REQUEST_TIMEOUT,
    }
    # one more try after a failed publish (a connection Redis closed), not three
    CELERY_TASK_PUBLISH_RETRY_POLICY = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }
    # cross-process invalidation of the poll cache
    NETJSONCONFIG_REDIS_URL = REDIS_URL
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"

# --- authentication -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- login rate limit (django-axes) --------------------------------------------------
# After DJANGO_LOGIN_FAILURE_LIMIT failed logins for one user name from one address, the
# admin's login refuses that pair (429) for DJANGO_LOGIN_LOCKOUT_SECONDS (a failure
# meanwhile starts the wait again); a successful login clears the count. The address is
# REMOTE_ADDR (behind a proxy: see NETJSONCONFIG_TRUSTED_PROXIES); an administrator
# lifts a lockout at once with ``manage.py axes_reset``.
if find_spec("axes") is None:
    raise ImproperlyConfigured(
        "django-axes (the admin's login rate limit) is not installed: "
        "pip install 'django-netjsonconfig[site]'"
    )
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes requires
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = max(1, env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(seconds=max(1, env_int("DJANGO_LOGIN_LOCKOUT_SECONDS", 900)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

# --- internationalization -----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if HAS_WHITENOISE
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- django-netjsonconfig -----------------------------------------------------------
NETJSONCONFIG_SHARED_SECRET = os.environ.get("NETJSONCONFIG_SHARED_SECRET") or read_secret(
    VAR_DIR / "shared_secret"
)
# the keys that encrypt the credentials' passwords and private keys (docs/connection.md):
# comma-separated, the first encrypts; else one generated into VAR_DIR/credentials_key
NETJSONCONFIG_CREDENTIALS_KEYS = [
    key.strip()
    for key in (
        os.environ.get("NETJSONCONFIG_CREDENTIALS_KEYS")
        or read_or_create_secret(
            VAR_DIR / "credentials_key",
            lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        )
    ).split(",")
    if key.strip()
]

# --- logging ------------------------------------------------------------------------
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "console": {"format": "%(asctime)s %(levelname)s %(name)s %(process)d: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "console"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
        "django_netjsonconfig": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}

# embedded mode: the counter that keeps the web processes' poll caches right
NETJSONCONFIG_GENERATION_FILE = str(VAR_DIR / "poll.generation")
