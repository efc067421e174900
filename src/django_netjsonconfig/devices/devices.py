"""Devices: what follows a change of name, group or addresses."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.db import transaction

from .. import signals
from ..apps import get_model
from ..polling import cache as pollcache
from ..rendering.context import PREDEFINED_FIELDS
from ..workflow.sending import send_on_commit
from . import configs, records

#: the device fields a render reads: those of the predefined variables (the name is
#: the hostname too) and the group (its variables and templates)
RENDERED_FIELDS = frozenset(PREDEFINED_FIELDS.values()) | {"group_id"}


def get_config(device: Any) -> Any:
    try:
        return device.config
    except get_model("config").DoesNotExist:
        return None


def after_save(device: Any, created: bool) -> None:
    """Consequences of saving ``device``: signals, group templates, a render recorded
    into the unit of work (done once, however many changes the transaction makes)."""
    changed = set() if created else device.changed_fields()
    old = {f: device.loaded_value(f) for f in changed}
    device.mark_saved()
    if created:
        return
    sender = type(device)
    config = get_config(device)
    if "group_id" in changed:
        send_on_commit(
            signals.device_group_changed,
            sender,
            instance=device,
            group_id=device.group_id,
            old_group_id=old["group_id"],
        )
        if config is not None:
            swap_group_templates(config, old["group_id"], device.group_id)
    if "name" in changed:
        send_on_commit(signals.device_name_changed, sender, instance=device)
    if "management_ip" in changed:
        send_on_commit(
            signals.management_ip_changed,
            sender,
            instance=device,
            management_ip=device.management_ip,
            old_management_ip=old["management_ip"],
        )
    if config is not None and changed & RENDERED_FIELDS:
        records.render(config, "config_changed")


def swap_group_templates(config: Any, old_group_id: Any, new_group_id: Any) -> None:
    """Remove the old group's templates, add the new group's (of the config's backend)."""
    group_model = get_model("devicegroup")
    old = group_model.objects.filter(pk=old_group_id).first() if old_group_id else None
    new = group_model.objects.filter(pk=new_group_id).first() if new_group_id else None
    old_templates = list(old.templates.all()) if old else []
    new_templates = [t for t in (new.templates.all() if new else []) if t.backend == config.backend]
    replace_group_templates(config, old_templates, new_templates)


def replace_group_templates(
    config: Any, old_templates: list[Any], new_templates: list[Any]
) -> bool:
    """Give ``config`` the new group's templates instead of the old group's (the m2m
    receiver records its render); returns False when its templates stay the same."""
    current = configs.ordered_templates(config)
    keep = [t for t in current if t not in old_templates or t.required or t in new_templates]
    result = keep + [t for t in new_templates if t not in keep]
    if [t.pk for t in result] == [t.pk for t in current]:
        return False
    config.templates.set(result)
    return True


# --- addresses -----------------------------------------------------------------------------
def management_address(value: str) -> str:
    """The text of a management IP address as the database gives it back; ValueError
    for anything else.

    Refused besides what is not an address: a zone id (``fe80::1%eth0``: it names an
    interface of the device, which means nothing to the server, and PostgreSQL's
    ``inet`` refuses it) and the deprecated IPv4-compatible IPv6 addresses
    (``::1.2.3.4``), which PostgreSQL writes otherwise than Django, so that the
    address read back would never equal the one a device reports. IPv4-mapped
    addresses are written ``::ffff:1.2.3.4``, as both do."""
    ip = ipaddress.ip_address(value.strip())
    if ip.version == 6:
        if ip.scope_id is not None:
            raise ValueError("an address with a zone id")
        if ip.ipv4_mapped is not None:
            return f"::ffff:{ip.ipv4_mapped}"
        if int(ip) >> 32 == 0 and (int(ip) >> 16) & 0xFFFF:
            raise ValueError("an IPv4-compatible IPv6 address")
    return str(ip)


def peer_address(value: str | None) -> str | None:
    """The text of the address a request came from (``REMOTE_ADDR``) as the database
    gives it back; None when it is not one to record (empty, a Unix socket's). A zone
    id, the server's interface the request came in on, is dropped."""
    if not value:
        return None
    try:
        return management_address(value.split("%", 1)[0])
    except ValueError:
        return None


def _is_private(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_private
    except ValueError:
        return False


def update_addresses(
    device: Any, last_ip: str | None, management_ip: str | None, *, cleanup: bool
) -> bool:
    """Record the addresses a device was seen with; only changed fields are written.

    With ``cleanup`` (the checksum endpoint) another device holding the same
    management IP, or the same private last IP, has it cleared: addresses move
    between devices in a private network. Returns True when something changed.
    """
    management_ip = management_ip or None
    updates: dict[str, Any] = {}
    if last_ip and device.last_ip != last_ip:
        updates["last_ip"] = last_ip
    if device.management_ip != management_ip:
        updates["management_ip"] = management_ip
    if not updates:
        return False
    device_model = type(device)
    old_management_ip = device.management_ip
    with transaction.atomic():
        device_model.objects.filter(pk=device.pk).update(**updates)
        for field, value in updates.items():
            setattr(device, field, value)
        if cleanup:
            others = device_model.objects.exclude(pk=device.pk)
            clear_last_ip = bool(
                device.last_ip and "last_ip" in updates and _is_private(device.last_ip)
            )
            if device.management_ip and "management_ip" in updates:
                holders = list(others.filter(management_ip=device.management_ip))
                others.filter(pk__in=[h.pk for h in holders]).update(management_ip=None)
                for holder in holders:
                    holder.management_ip = None  # the signal's instance is the row
                    if clear_last_ip and holder.last_ip == device.last_ip:
                        holder.last_ip = None  # cleared below
                    holder.mark_saved()
                    pollcache.invalidate(holder.pk)
                    send_on_commit(
                        signals.management_ip_changed,
                        device_model,
                        instance=holder,
                        management_ip=None,
                        old_management_ip=device.management_ip,
                    )
            if clear_last_ip:
                sharing = list(others.filter(last_ip=device.last_ip).values_list("pk", flat=True))
                others.filter(pk__in=sharing).update(last_ip=None)
                for pk in sharing:
                    pollcache.invalidate(pk)
        if "management_ip" in updates:
            send_on_commit(
                signals.management_ip_changed,
                device_model,
                instance=device,
                management_ip=management_ip,
                old_management_ip=old_management_ip,
            )
    device.mark_saved()
    pollcache.invalidate(device.pk)
    return True


def templates_for_group_change(
    templates: list[Any], old_group: Any, new_group: Any, backend: str
) -> list[Any]:
    """``templates`` as they become when a device of ``backend`` moves between groups.

    The same rule as :func:`replace_group_templates`, on a list (e.g. the
    templates an admin form submits while it changes the device's group): the
    old group's templates go (unless required or also in the new group), the
    new group's templates of ``backend`` are added at the end.
    """
    old = list(old_group.templates.all()) if old_group is not None else []
    new = [t for t in (new_group.templates.all() if new_group else []) if t.backend == backend]
    keep = [t for t in templates if t not in old or t.required or t in new]
    return keep + [t for t in new if t not in keep]
