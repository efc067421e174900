"""Notifications of the admin's users: the public API.

- :func:`register_notification_type` / :func:`unregister_notification_type`: the types
  (``types``), each a spec of its level, texts, model and default switches;
- :func:`notify`: tell the users allowed to see a target of an event of a type,
  delivered after commit and grouped by type (``delivery``).

The app's own types (``config_error``, ``device_registered``, ``device_reregistered``,
``connection_is_not_working``, ``connection_is_working``, ``host_key_mismatch``) and
their receivers are in ``builtin``. See docs/notifications.md.
"""

from .delivery import notify
from .types import (
    LEVELS,
    NotificationType,
    get_notification_type,
    notification_types,
    register_notification_type,
    unregister_notification_type,
)

__all__ = [
    "LEVELS",
    "NotificationType",
    "get_notification_type",
    "notification_types",
    "notify",
    "register_notification_type",
    "unregister_notification_type",
]
