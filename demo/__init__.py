"""The demo site of django-netjsonconfig, run by ``make run``."""

from importlib.util import find_spec

if find_spec("celery") is not None:  # Celery is in the ``site`` extra
    from .celery import app as celery_app
else:  # pragma: no cover - depends on the installed extras
    celery_app = None

__all__ = ["celery_app"]
