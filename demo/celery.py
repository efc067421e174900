"""The Celery application of the demo site.

It reads the ``CELERY_*`` Django settings: with ``REDIS_URL`` set, tasks go to
Redis; otherwise ``CELERY_TASK_ALWAYS_EAGER`` runs them in the web process.
Start a worker with ``.venv/bin/celery -A demo worker``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")

app = Celery("demo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
