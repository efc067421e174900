"""``notify()`` and the delivery of what it records: grouped, in few queries.

``notify(type, target, **context)`` writes nothing itself: it collects an event
(``workflow.sending.collect``) that is delivered once the transaction commits or,
when it is called by a receiver of the signals sent after a commit, once the last of
those signals has been sent. A bulk change that puts 10,000 configurations in error
in one transaction is one delivery of 10,000 events.

A delivery costs a fixed number of queries, whatever the number of events and users:
the recipients of each model (one query), their switches (one), their open
notifications (one), the new ones (one ``INSERT``), the grouped ones (one ``UPDATE``).
Each user gets one notification per type: a new one, or the unread one of that type
that was updated less than ``NETJSONCONFIG_NOTIFICATION_GROUP_WINDOW`` seconds ago, whose
count grows ("Configuration error on 10,000 devices", linked to the filtered list).
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Model, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ..apps import MODEL_ATTRIBUTES, get_model, get_optional_model
from ..settings import app_settings
from ..workflow import sending, unit
from .types import NotificationType, get_notification_type

logger = logging.getLogger(__name__)

KIND = "notifications"


@dataclass(frozen=True)
class Event:
    """One call of :func:`notify`."""

    type: str
    target_model: str  # "app_label.model_name"
    target_id: str
    target: str  # the target as text, when it was notified
    context: dict[str, str] = field(default_factory=dict)


def notify(type: str, target: Model, **context: Any) -> None:
    """Notify the users allowed to see ``target`` of an event of ``type`` (a registered
    notification type; ImproperlyConfigured otherwise). ``context``: the values its
    texts name (as text); ValueError for a target not saved. Delivered after the commit
    of the current transaction, grouped with the events of the same type (see the
    module's documentation)."""
    get_notification_type(type)
    if target.pk is None or target._state.adding:
        raise ValueError(f"notify({type!r}, ...) needs a saved target, not an unsaved {target!r}")
    if get_optional_model("notification") is None:
        return  # an extending app without the notification models
    event = Event(
        type=type,
        target_model=target._meta.label_lower,
        target_id=str(target.pk),
        target=str(target),
        context={key: str(value) for key, value in context.items()},
    )
    sending.collect(KIND, (type, event.target_model, event.target_id), event)


# --- delivery ----------------------------------------------------------------------------------
def model_of(notification_type: NotificationType) -> type[Model]:
    """The model whose view permission a recipient of ``notification_type`` needs."""
    if notification_type.model in MODEL_ATTRIBUTES:
        return get_model(notification_type.model)
    return apps.get_model(notification_type.model)


def recipients(model: type[Model]) -> list[Any]:
    """Active superusers, and active staff users allowed to view or change ``model``
    (by a permission of theirs or of one of their groups): one query."""
    user_model: Any = get_user_model()
    opts = model._meta
    permissions = Permission.objects.filter(
        content_type__app_label=opts.app_label,
        content_type__model=opts.model_name,
        codename__in=[f"view_{opts.model_name}", f"change_{opts.model_name}"],
    )
    by_user = user_model.user_permissions.through
    by_group = user_model.groups.through
    user_field = user_model.user_permissions.field.m2m_field_name()
    group_user_field = user_model.groups.field.m2m_field_name()
    allowed = Q(is_superuser=True) | Q(is_staff=True) & (
        Q(pk__in=by_user.objects.filter(permission__in=permissions).values(f"{user_field}_id"))
        | Q(
            pk__in=by_group.objects.filter(group__permissions__in=permissions).values(
                f"{group_user_field}_id"
            )
        )
    )
    return list(user_model.objects.filter(allowed, is_active=True).order_by("pk"))


def admin_url(model_label: str, view: str, *args: Any) -> str:
    """The admin's URL of ``view`` (``change``, ``changelist``) for ``model_label``, or
    "" when the admin has no such page."""
    app_label, model_name = model_label.split(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)
    except NoReverseMatch:
        return ""


def link(notification_type: NotificationType, count: int, last: Event) -> str:
    """Where a notification leads: its target's page, or for a group the list of the
    type's model filtered by the type's ``list_query``."""
    if count == 1:
        return admin_url(last.target_model, "change", last.target_id)
    base = admin_url(model_of(notification_type)._meta.label_lower, "changelist")
    query = dict(notification_type.list_query)
    return f"{base}?{urlencode(query)}" if base and query else base


def _switches(
    users: Iterable[Any], types: Iterable[str]
) -> dict[tuple[Any, str], tuple[bool, bool]]:
    setting_model = get_optional_model("notificationsetting")
    if setting_model is None:
        return {}
    rows = setting_model.objects.filter(user__in=list(users), type__in=list(types))
    return {
        (r.user_id, r.type): (r.web, r.email) for r in rows.only("user_id", "type", "web", "email")
    }


def _open(users: Iterable[Any], types: Iterable[str]) -> dict[tuple[Any, str], Any]:
    """The unread notification of each user and type updated within the window, locked
    (``SELECT ... FOR UPDATE`` where the database has it) so that a concurrent delivery
    waits, then counts on what this one wrote."""
    notification_model = get_model("notification")
    since = timezone.now() - timedelta(seconds=app_settings.NOTIFICATION_GROUP_WINDOW)
    found: dict[tuple[Any, str], Any] = {}
    rows = notification_model.objects.filter(
        recipient__in=list(users), type__in=list(types), unread=True, updated__gte=since
    ).order_by("-updated", "-id")
    for row in rows.select_for_update():
        found.setdefault((row.recipient_id, row.type), row)
    return found


def deliver(records: dict[Hashable, Event]) -> None:
    """The workflow step of :data:`KIND`: deliver the events collected together."""
    try:
        _deliver(list(records.values()))
    except Exception:  # a notification is never worth failing what was committed
        logger.exception("notifications could not be delivered")


def _deliver(events: list[Event]) -> None:
    notification_model = get_optional_model("notification")
    if notification_model is None or not events:
        return
    by_type: dict[str, list[Event]] = {}
    for event in events:
        by_type.setdefault(event.type, []).append(event)
    types: dict[str, NotificationType] = {}
    for name in by_type:
        try:
            types[name] = get_notification_type(name)
        except ImproperlyConfigured:
            logger.warning("notification type %r was unregistered: events dropped", name)
    users_of: dict[str, list[Any]] = {}
    for notification_type in types.values():
        model = model_of(notification_type)
        label = model._meta.label_lower
        if label not in users_of:
            users_of[label] = recipients(model)
    everybody = {user.pk: user for users in users_of.values() for user in users}
    if not everybody:
        return
    switches = _switches(everybody, types)
    with transaction.atomic():  # the open notifications stay locked until written
        mails = _write(types, by_type, users_of, switches, _open(everybody, types))
    if mails:
        send_mails(mails)


def _write(
    types: dict[str, NotificationType],
    by_type: dict[str, list[Event]],
    users_of: dict[str, list[Any]],
    switches: dict[tuple[Any, str], tuple[bool, bool]],
    existing: dict[tuple[Any, str], Any],
) -> list[tuple[Any, NotificationType, int, Event]]:
    """Group the events into each user's open notification or a new one (one
    ``UPDATE``, one ``INSERT``); returns the e-mails to send."""
    notification_model = get_model("notification")
    now = timezone.now()
    new, grouped, mails = [], [], []
    for name, notification_type in types.items():
        found = by_type[name]
        last = found[-1]
        for user in users_of[model_of(notification_type)._meta.label_lower]:
            web, email = switches.get(
                (user.pk, name), (notification_type.web, notification_type.email)
            )
            if web:
                row = existing.get((user.pk, name))
                if row is None:
                    row = notification_model(recipient=user, type=name, count=0, created=now)
                    new.append(row)
                else:
                    grouped.append(row)
                _fill(row, notification_type, row.count + len(found), last, now)
            if email and user.email:
                mails.append((user, notification_type, len(found), last))
    if new:
        notification_model.objects.bulk_create(new)
    if grouped:
        notification_model.objects.bulk_update(
            grouped,
            ["level", "message", "url", "count", "target_model", "target_id", "context", "updated"],
        )
    return mails


def _fill(row: Any, notification_type: NotificationType, count: int, last: Event, now: Any) -> None:
    row.count = count
    row.level = notification_type.level
    row.message = notification_type.message_for(last.target, count, last.context)
    row.url = link(notification_type, count, last)
    row.target_model, row.target_id = last.target_model, last.target_id
    row.context = dict(last.context, target=last.target)
    row.updated = now


def send_mails(mails: list[tuple[Any, NotificationType, int, Event]]) -> None:
    """One e-mail per user and type, at most one per window (the first events of a
    burst; the rest are in the admin), through Django's mail settings."""
    window = app_settings.NOTIFICATION_GROUP_WINDOW
    base = (app_settings.NOTIFICATION_BASE_URL or "").rstrip("/")
    messages = []
    for user, notification_type, count, last in mails:
        if window and not cache.add(
            f"netjsonconfig:notification-mail:{user.pk}:{notification_type.name}", 1, window
        ):
            continue
        body = [notification_type.message_for(last.target, count, last.context)]
        url = link(notification_type, count, last)
        if url and base:
            body.append(f"{base}{url}")
        body.append("You receive this e-mail because your notification settings ask for it.")
        messages.append(
            EmailMessage(
                subject=notification_type.subject_for(last.target, count, last.context),
                body="\n\n".join(body),
                from_email=django_settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )
    if messages:
        get_connection().send_messages(messages)


unit.register_step(KIND, deliver, after_commit=True)
