"""The Celery application of the demo site.

It reads the ``CELERY_*`` Django settings: with ``REDIS_URL`` set, tasks go to
Redis; otherwise ``CELERY_TASK_ALWAYS_EAGER`` runs them in the web process.
Start a worker with ``.venv/bin/celery -A demo worker``.
"""

import os

from celery import Celery
from celery.signals import celeryd_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")

app = Celery("demo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

#: seconds a worker waits for the broker (the settings' timeouts are for web requests)
WORKER_BROKER_TIMEOUT = 5


@celeryd_init.connect
def worker_broker_timeouts(conf=None, **kwargs):
    """A worker is no request: a broker that is slow to answer is worth waiting for."""
    options = dict(conf.broker_transport_options or {})
    if "socket_timeout" in options:
        options["socket_timeout"] = max(options["socket_timeout"], WORKER_BROKER_TIMEOUT)
        options["socket_connect_timeout"] = max(
            options.get("socket_connect_timeout") or 0, WORKER_BROKER_TIMEOUT
        )
        conf.broker_transport_options = options
