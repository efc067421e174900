"""Django model signals -> the unit of work.

One receiver per model event, connected for the concrete models that the app config
names (ours or an extender's). Whoever writes (the app's services, the admin, an
import, a shell, another app), a write reaches the workflow through these receivers,
and they only *record* what it asks for into the unit of work of the transaction
(``workflow.unit``): the unit renders each config once and sends the public signals
after commit. No receiver keeps state between events, none depends on another's order,
and there is no switch to turn them off: a service that needs the result at once
settles the unit (``workflow.unit.settle``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from .connection import credentials as connection_credentials
from .connection import sessions
from .devices import configs, devices, groups, records, steps, templates
from .polling import cache as pollcache
from .vpn import clients as vpnclients
from .vpn import servers as vpns
from .workflow import unit

UID = "django_netjsonconfig"


def connect_model_receivers(app: Any) -> None:
    device, config = app.device_model, app.config_model
    template, group = app.template_model, app.devicegroup_model
    post_save.connect(device_saved, sender=device, dispatch_uid=f"{UID}.device_saved")
    post_delete.connect(device_deleted, sender=device, dispatch_uid=f"{UID}.device_deleted")
    post_delete.connect(config_deleted, sender=config, dispatch_uid=f"{UID}.config_deleted")
    post_save.connect(config_saved, sender=config, dispatch_uid=f"{UID}.config_saved")
    post_save.connect(template_saved, sender=template, dispatch_uid=f"{UID}.template_saved")
    pre_delete.connect(template_deleting, sender=template, dispatch_uid=f"{UID}.tpl_deleting")
    post_delete.connect(template_deleted, sender=template, dispatch_uid=f"{UID}.tpl_deleted")
    post_save.connect(group_saved, sender=group, dispatch_uid=f"{UID}.group_saved")
    m2m_changed.connect(
        config_templates_changed,
        sender=config.templates.through,
        dispatch_uid=f"{UID}.config_templates",
    )
    m2m_changed.connect(
        group_templates_changed,
        sender=group.templates.through,
        dispatch_uid=f"{UID}.group_templates",
    )
    connect_vpn_receivers(app)
    connect_connection_receivers(app)


def connect_connection_receivers(app: Any) -> None:
    """The connection models, when the app config has them."""
    connection = getattr(app, "deviceconnection_model", None)
    command = getattr(app, "command_model", None)
    credentials = getattr(app, "credentials_model", None)
    if connection is None or command is None or credentials is None:
        return
    post_save.connect(connection_saved, sender=connection, dispatch_uid=f"{UID}.connection_saved")
    post_save.connect(command_saved, sender=command, dispatch_uid=f"{UID}.command_saved")
    post_save.connect(
        credentials_saved, sender=credentials, dispatch_uid=f"{UID}.credentials_saved"
    )


def connection_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        instance.mark_saved()
        return
    sessions.after_save(instance, created)


def command_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if created and not raw and instance.status == "in-progress":
        unit.background("run_command", instance.pk)


def credentials_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not raw:
        connection_credentials.after_save(instance, created)


def connect_vpn_receivers(app: Any) -> None:
    """The VPN and PKI models, when the app config has them."""
    vpn, client = getattr(app, "vpn_model", None), getattr(app, "vpnclient_model", None)
    if vpn is not None:
        post_save.connect(vpn_saved, sender=vpn, dispatch_uid=f"{UID}.vpn_saved")
    if client is not None:
        post_delete.connect(
            vpnclient_deleted, sender=client, dispatch_uid=f"{UID}.vpnclient_deleted"
        )
    for model in (getattr(app, "ca_model", None), getattr(app, "cert_model", None)):
        if model is not None:
            post_save.connect(
                x509_saved, sender=model, dispatch_uid=f"{UID}.x509_saved.{model._meta.label}"
            )


def vpn_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    changed = set() if created or raw else instance.changed_fields()
    instance.mark_saved()
    if not raw:
        unit.record("vpn_saved", instance.pk, VpnSaved(instance, created, changed), _merge_vpn)


def vpnclient_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    unit.record("vpnclient_deleted", id(instance), instance)


def x509_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    changed = set() if created or raw else instance.changed_fields()
    instance.mark_saved()
    if changed & {"certificate", "private_key"}:
        unit.record("certificate_changed", (type(instance), instance.pk), instance)


@dataclass
class VpnSaved:
    vpn: Any
    created: bool
    changed: set[str]


def _merge_vpn(old: VpnSaved, new: VpnSaved) -> VpnSaved:
    return VpnSaved(new.vpn, old.created or new.created, old.changed | new.changed)


def _vpns_saved(records: dict[Any, VpnSaved]) -> None:
    for record in records.values():
        vpns.after_save(record.vpn, record.created, record.changed)


def _vpnclients_deleted(records: dict[Any, Any]) -> None:
    for client in records.values():
        vpnclients.after_delete(client)


def _certificates_changed(records: dict[Any, Any]) -> None:
    for obj in records.values():
        vpns.certificate_changed(obj)


unit.register_step("vpn_saved", _vpns_saved)
unit.register_step("vpnclient_deleted", _vpnclients_deleted)
unit.register_step("certificate_changed", _certificates_changed)


def device_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if not created:
        pollcache.invalidate(instance.pk)  # key, name or addresses may have changed
    if raw:
        instance.mark_saved()
        return
    devices.after_save(instance, created)


def config_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        instance.mark_saved()
        return
    old_backend = instance.loaded_value("backend")
    changed = instance.changed_fields()
    instance.mark_saved()
    if created:
        records.render(instance, None, initial=True)
        connection_credentials.config_created(instance)
        return
    if "backend" in changed:
        configs.send_backend_changed(instance, old_backend)
    if changed:
        records.render(instance, "config_changed")


def device_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    pollcache.invalidate(instance.pk)


def config_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    pollcache.invalidate(instance.device_id)


def config_templates_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    model: Any,
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    if action == "pre_remove":
        if reverse and getattr(instance, "required", False):
            raise ValidationError("Required templates cannot be removed from the configuration")
        removed = model.objects.filter(pk__in=pk_set or ()) if not reverse else None
        if removed is not None and removed.filter(required=True).exists():
            raise ValidationError("Required templates cannot be removed from the configuration")
        return
    if action not in ("post_add", "post_remove"):
        return  # post_clear is ignored: sortedm2m reorders by clearing and re-adding
    if reverse:
        for config in model.objects.filter(pk__in=pk_set or ()).select_related("device"):
            records.render(config, "m2m_templates_changed")
    else:
        records.render(instance, "m2m_templates_changed")


def template_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        instance.mark_saved()
        return
    templates.after_save(instance, created)


def template_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    templates.before_delete(instance)


def template_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    templates.after_delete()


def group_saved(
    sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    if raw:
        instance.mark_saved()
        return
    groups.after_save(instance, created)


def group_templates_changed(
    sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any
) -> None:
    if reverse:
        return
    if action.startswith("pre_"):
        steps.group_templates_changing(instance)
    else:
        steps.group_templates_changed(instance)
