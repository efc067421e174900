"""Helpers of the notification tests: users by role, their notifications, and a small
real stand-in for a device connection (the model lives in the connection app)."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache

from django_netjsonconfig.apps import get_model


def staff(username: str, *perms: str, via_group: bool = False, **fields: Any) -> Any:
    """A staff user with the device model's permissions ``perms`` ("view", "change"),
    given to the user or (``via_group``) to a group of theirs."""
    fields.setdefault("email", f"{username}@example.org")
    user = get_user_model().objects.create_user(
        username, password="pass-1234-word", is_staff=True, **fields
    )
    if perms:
        device_model = get_model("device")
        content_type = ContentType.objects.get_for_model(device_model)
        found = Permission.objects.filter(
            content_type=content_type,
            codename__in=[f"{p}_{device_model._meta.model_name}" for p in perms],
        )
        if via_group:
            group = Group.objects.create(name=f"{username}-group")
            group.permissions.add(*found)
            user.groups.add(group)
        else:
            user.user_permissions.add(*found)
    return user


def superuser(username: str = "root") -> Any:
    return get_user_model().objects.create_superuser(
        username, email=f"{username}@example.org", password="pass-1234-word"
    )


def notifications_of(user: Any, type: str | None = None) -> list[Any]:
    rows = get_model("notification").objects.filter(recipient=user).order_by("id")
    return list(rows.filter(type=type) if type else rows)


def switch(user: Any, type: str, *, web: bool, email: bool) -> None:
    get_model("notificationsetting").objects.update_or_create(
        user=user, type=type, defaults={"web": web, "email": email}
    )


def clear_mail_throttle() -> None:
    cache.clear()


@dataclass
class Credentials:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class ConnectionStandIn:
    """What ``is_working_changed`` and ``host_key_mismatch`` send as ``instance``: a
    device connection's device and credentials."""

    device: Any
    credentials: Credentials = field(default_factory=lambda: Credentials("root over SSH"))
    is_working: bool | None = None
