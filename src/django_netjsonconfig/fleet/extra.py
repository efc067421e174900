"""Bulk actions defined by a layer above the fleet (the connection layer's "send a
command"), registered with :func:`register_action` and run as background jobs."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass
class ExtraAction:
    """A bulk action defined by a layer above this one (the connection layer's "send a
    command"): always a background job. ``apply(ids, resolved, user, job)`` runs in the
    batch's transaction; ``after(ids, resolved, job)``, when given, runs once it is
    committed (work that must not hold a transaction, such as SSH sessions) and must be
    safe to run again on a batch that a lost worker left half done."""

    label: Any  # a str or a lazy translation
    validate: Any
    apply: Any
    describe: Any
    serialize: Any
    after: Any = None
    #: the queue's task that runs its jobs (one registered ``threaded``: never in a request)
    task: str = "bulk_job"


#: the actions added with :func:`register_action`
EXTRA: dict[str, ExtraAction] = {}


def register_action(name: str, action: ExtraAction) -> None:
    EXTRA[name] = action


def after_batch(
    action: str, device_ids: list[Any], resolved: Mapping[str, Any], job: Any
) -> dict[str, int]:
    """What an action does once a batch is committed (nothing for most)."""
    extra = EXTRA.get(action)
    if extra is None or extra.after is None:
        return {}
    return dict(extra.after(device_ids, resolved, job))
