"""Settings of ``bench.bench_push``: the demo site's (``demo/settings.py``: the
environment chooses the database, Redis and Celery), with the push pool's size from
``BENCH_PUSH_CONCURRENCY`` (the default, 10, when unset), for the benchmark's process
and its Celery worker alike."""

import os

from demo.settings import *  # noqa: F403

NETJSONCONFIG_PUSH_CONCURRENCY = int(os.environ.get("BENCH_PUSH_CONCURRENCY") or 10)
# the admin's pages without collectstatic (static files are not what is measured)
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# one line per SSH session and per admin login would drown the benchmark's output
LOGGING["loggers"].update(  # noqa: F405
    {name: {"level": "WARNING"} for name in ("paramiko", "axes")}
)
