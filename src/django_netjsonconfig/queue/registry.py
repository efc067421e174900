"""The named tasks: what :func:`~django_netjsonconfig.queue.enqueue` may run.

A task is a name, the function that does the work (it takes ids, as strings or not,
and is idempotent: it may run twice, or be resumed), optionally the Celery task that
does the same on a worker, and optionally a finder of the work still to do (for the
sweeper). ``django_netjsonconfig.tasks`` registers them when the app is ready. A name
is a plain word: nothing ever imports a function named by a dotted path.
"""

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

NAME = re.compile(r"[a-z][a-z0-9_]*\Z")

#: the arguments of one piece of work: ids, as strings
Args = tuple[str, ...]


class UnknownTask(ImproperlyConfigured, LookupError):
    """No task has this name."""


@dataclass(frozen=True)
class Task:
    """A registered task.

    ``function(*ids)`` does the work in this process (the thread and inline modes);
    ``celery`` is the Celery task sent ``(*ids)`` as strings instead (the celery mode;
    None: the work always runs in this process). ``pending()`` lists the arguments of
    the work the database says is still to do (the sweeper's; None: nothing to
    sweep). ``immediate``: in the inline mode, run in the caller's transaction rather
    than after its commit. ``fallback``: when the broker refuses the task, run it in
    a thread of this process rather than leave it to the sweeper or a later retry.
    ``threaded``: never run in the caller, even in the inline mode (there: a thread of
    this process after commit): work that waits on the network (SSH to devices).
    """

    name: str
    function: Callable[..., Any]
    celery: Any = None
    pending: Callable[[], Iterable[Args]] | None = None
    immediate: bool = False
    fallback: bool = True
    threaded: bool = False


_tasks: dict[str, Task] = {}
_lock = threading.Lock()


def register(
    name: str,
    function: Callable[..., Any],
    *,
    celery: Any = None,
    pending: Callable[[], Iterable[Args]] | None = None,
    immediate: bool = False,
    fallback: bool = True,
    threaded: bool = False,
) -> Task:
    """Register ``function`` under ``name``; returns the task.

    Refuses a name that is not a plain word (``[a-z][a-z0-9_]*``: no dotted path) and a
    name already taken by another function. Registering the same function again (the
    app made ready twice) replaces the entry.
    """
    if not isinstance(name, str) or not NAME.match(name):
        raise ImproperlyConfigured(
            f"a task name is a plain word of lowercase letters, digits and underscores, "
            f"not {name!r} (tasks are named, never given as dotted paths)"
        )
    if not callable(function):
        raise ImproperlyConfigured(f"task {name!r}: {function!r} is not callable")
    task = Task(name, function, celery, pending, immediate, fallback, threaded)
    with _lock:
        current = _tasks.get(name)
        if current is not None and current.function is not function:
            raise ImproperlyConfigured(
                f"a task named {name!r} is already registered ({_describe(current.function)})"
            )
        _tasks[name] = task
    return task


def unregister(name: str) -> None:
    """Remove the task ``name``; :class:`UnknownTask` if there is none."""
    with _lock:
        if name not in _tasks:
            raise UnknownTask(_unknown_message(name))
        del _tasks[name]


def get(name: str) -> Task:
    """The task ``name``; :class:`UnknownTask` (saying which exist) if there is none."""
    try:
        return _tasks[name]
    except (KeyError, TypeError):
        raise UnknownTask(_unknown_message(name)) from None


def tasks() -> list[Task]:
    """The registered tasks, in the order of registration."""
    with _lock:
        return list(_tasks.values())


def _unknown_message(name: object) -> str:
    known = ", ".join(sorted(_tasks)) or "none (is django_netjsonconfig's app ready?)"
    hint = " (tasks are named, never given as dotted paths)" if "." in str(name) else ""
    return f"no task named {name!r}{hint}; registered tasks: {known}"


def _describe(function: Callable[..., Any]) -> str:
    module = getattr(function, "__module__", "?")
    return f"{module}.{getattr(function, '__qualname__', function)}"
