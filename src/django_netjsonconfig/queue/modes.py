"""How background work runs: ``NETJSONCONFIG_FANOUT``, decided once for every task.

- ``"celery"``: a Celery task, sent after the transaction that asked for it has
  committed (acknowledged late: a task whose worker dies is delivered again, so every
  task is idempotent);
- ``"thread"``: the embedded mode, no broker: a thread of the process that asked,
  started after commit, and the sweeper of each web process, which finds the work
  left in the database by a process that ended first (see :mod:`.sweeper`);
- ``"inline"``: in the caller (tests, small sites);
- ``None`` (default): ``"celery"`` when a broker is configured, tasks are not run
  eagerly and Celery is installed (the ``celery`` extra), else ``"thread"``.
"""

from importlib.util import find_spec
from typing import Literal, cast

from django.conf import settings

from ..settings import app_settings

Mode = Literal["celery", "thread", "inline"]
MODES: tuple[Mode, ...] = ("celery", "thread", "inline")


def mode() -> Mode:
    """The way background work runs now (settings are read at each call)."""
    chosen = app_settings.FANOUT
    if chosen:
        return cast(Mode, chosen)
    if broker_configured() and celery_installed():  # without Celery, threads (checks.py warns)
        return "celery"
    return "thread"


def celery_installed() -> bool:
    """Whether Celery (the ``celery`` extra) can be imported."""
    try:
        return find_spec("celery") is not None
    except (ImportError, ValueError):
        return False


def broker_configured() -> bool:
    """A Celery broker other than the in-memory one, tasks not run eagerly."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    eager = getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False)
    return bool(broker) and not broker.startswith("memory://") and not eager
