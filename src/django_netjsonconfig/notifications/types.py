"""Notification types: what a notification of each type says, and to whom by default.

A type is registered with a spec (a dict), checked when it is registered, so that a
mistake shows at start-up rather than when the first event comes::

    register_notification_type("backup_failed", {
        "verbose_name": "Backup failed",
        "level": "error",
        "message": "The backup of {target} failed: {reason}",
        "group_message": "Backups failed on {count} devices",
        "email_subject": "Backup failed: {target}",
        "model": "device",            # whose view permission a recipient needs
        "web": True, "email": False,  # the defaults of a user's switches
    })
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from ..registry import Registry

LEVELS = ("info", "success", "warning", "error")

REQUIRED = ("verbose_name", "level", "message", "email_subject")
OPTIONAL = ("group_message", "model", "list_query", "web", "email")

#: a text of a spec: a string, or a lazy translation (``gettext_lazy``), translated when used
Text = str | Promise


class _Blank(dict[str, Any]):
    """Formatting values: a name ``notify()`` was not given reads as an empty text."""

    def __missing__(self, key: str) -> str:
        return ""


def _fields(text: str, what: str, name: str) -> set[str]:
    """The names ``text`` formats; ImproperlyConfigured for anything but plain names
    (no attribute or index: a text never reaches into an object)."""
    found = set()
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f'notification type "{name}": {what} is not a valid format: {exc}'
        ) from None
    for _literal, field_name, _spec, _conversion in parsed:
        if field_name is None:
            continue
        if not field_name.isidentifier():
            raise ImproperlyConfigured(
                f'notification type "{name}": {what} may only name values, as in "{{reason}}", '
                f'not "{{{field_name}}}"'
            )
        found.add(field_name)
    try:  # a format spec that does not fit its value ("{reason:,}") fails now, not later
        text.format_map(_Blank(target="device", count=2))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            f'notification type "{name}": {what} cannot be written: {exc}'
        ) from None
    return found


@dataclass(frozen=True)
class NotificationType:
    """A registered type (see the module's documentation for the spec's keys)."""

    name: str
    verbose_name: Text
    level: str
    message: Text
    email_subject: Text
    group_message: Text = ""
    model: str = "device"
    list_query: Mapping[str, str] = field(default_factory=dict)
    web: bool = True
    email: bool = False

    def text(self, template: Text, target: str, count: int, context: Mapping[str, Any]) -> str:
        values = _Blank({key: str(value) for key, value in context.items()})
        values.update(target=target, count=count)
        return str(template).format_map(values)

    def message_for(self, target: str, count: int, context: Mapping[str, Any]) -> str:
        """The text of a notification of ``count`` events (the last one's ``target`` and
        ``context``)."""
        template = self.group_message if count > 1 and self.group_message else self.message
        return self.text(template, target, count, context)

    def subject_for(self, target: str, count: int, context: Mapping[str, Any]) -> str:
        return self.text(self.email_subject, target, count, context).replace("\n", " ")


def check_spec(name: str, spec: Mapping[str, Any]) -> NotificationType:
    """The type ``name`` of ``spec``; ImproperlyConfigured saying what is wrong with it."""
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 64:
        raise ImproperlyConfigured(
            f"a notification type's name is an identifier of at most 64 characters, not {name!r}"
        )
    if not isinstance(spec, Mapping):
        raise ImproperlyConfigured(f'notification type "{name}": the spec must be a dict')
    unknown = set(spec) - set(REQUIRED) - set(OPTIONAL)
    if unknown:
        raise ImproperlyConfigured(
            f'notification type "{name}": unknown keys {sorted(unknown)}; '
            f"a spec has {list(REQUIRED)} and may have {list(OPTIONAL)}"
        )
    missing = [key for key in REQUIRED if not spec.get(key)]
    if missing:
        raise ImproperlyConfigured(f'notification type "{name}": the spec lacks {missing}')
    if spec["level"] not in LEVELS:
        raise ImproperlyConfigured(
            f'notification type "{name}": level must be one of {list(LEVELS)}, '
            f"not {spec['level']!r}"
        )
    for key in ("verbose_name", "message", "email_subject", "group_message", "model"):
        if key in spec and not isinstance(spec[key], str | Promise):
            raise ImproperlyConfigured(f'notification type "{name}": {key} must be a text')
    for key in ("message", "email_subject", "group_message"):
        _fields(str(spec.get(key, "")), key, name)
    for key in ("web", "email"):
        if key in spec and not isinstance(spec[key], bool):
            raise ImproperlyConfigured(f'notification type "{name}": {key} must be True or False')
    query = spec.get("list_query", {})
    if not isinstance(query, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in query.items()
    ):
        raise ImproperlyConfigured(
            f'notification type "{name}": list_query must be a dict of texts (the filter of '
            "the list a group of notifications links to)"
        )
    return NotificationType(
        name=name,
        verbose_name=spec["verbose_name"],
        level=spec["level"],
        message=spec["message"],
        email_subject=spec["email_subject"],
        group_message=spec.get("group_message", ""),
        model=spec.get("model", "device"),
        list_query=dict(query),
        web=spec.get("web", True),
        email=spec.get("email", False),
    )


registry = Registry("notification type")


def register_notification_type(name: str, spec: Mapping[str, Any]) -> NotificationType:
    """Register the notification type ``name`` (see the module's documentation);
    ImproperlyConfigured for a name already registered or a spec that is not right."""
    if name in registry:
        raise ImproperlyConfigured(f'a notification type named "{name}" is already registered')
    notification_type = check_spec(name, spec)
    registry.register(name, notification_type)
    return notification_type


def unregister_notification_type(name: str) -> None:
    """Forget the type ``name``; ImproperlyConfigured when none has that name."""
    registry.unregister(name)


def get_notification_type(name: str) -> NotificationType:
    """The registered type ``name``; ImproperlyConfigured when none has that name."""
    found: NotificationType = registry.get(name)
    return found


def notification_types() -> list[NotificationType]:
    """Every registered type, in the order they were registered."""
    return [entry for _name, entry in registry.items()]
