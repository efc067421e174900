"""Django model signals -> services.

One receiver per model event, connected for the concrete models that the app
config names (ours or an extender's). They keep direct ORM use consistent: a
template edited in a shell still re-renders the configs that use it. While a
service runs a multi-step workflow (``workflow.batch.managed``) they stand
aside; the service does the work once at the end.
"""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from . import signals
from .devices import configs, devices, groups, templates
from .polling import cache as pollcache
from .workflow.batch import is_managed

UID = "django_netjsonconfig"


def connect_model_receivers(app):
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


def connect_vpn_receivers(app):
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


def vpn_saved(sender, instance, created, raw=False, **kwargs):
    if raw or is_managed():
        instance.mark_saved()
        return
    from .vpn import servers as vpns

    changed = set() if created else instance.changed_fields()
    vpns.after_save(instance, created, changed)


def vpnclient_deleted(sender, instance, **kwargs):
    from .vpn import clients as vpnclients

    vpnclients.after_delete(instance)


def x509_saved(sender, instance, created, raw=False, **kwargs):
    if raw or is_managed():
        instance.mark_saved()
        return
    changed = set() if created else instance.changed_fields()
    instance.mark_saved()
    if changed & {"certificate", "private_key"}:
        from .vpn import servers as vpns

        vpns.certificate_changed(instance)


def device_saved(sender, instance, created, raw=False, **kwargs):
    if not created:
        pollcache.invalidate(instance.pk)  # key, name or addresses may have changed
    if raw or is_managed():
        instance.mark_saved()
        return
    devices.after_save(instance, created)


def config_saved(sender, instance, created, raw=False, **kwargs):
    if raw or is_managed():
        instance.mark_saved()
        return
    old_backend = instance.loaded_value("backend")
    changed = instance.changed_fields()
    instance.mark_saved()
    if created:
        with_templates = configs.initial_templates(instance)
        if with_templates:
            from .workflow.batch import managed

            with managed():
                instance.templates.set(with_templates)
        configs.refresh(instance, signal=False)
        return
    if "backend" in changed:
        configs.send_backend_changed(instance, old_backend)
    if changed:
        configs.refresh(instance, "config_changed")


def device_deleted(sender, instance, **kwargs):
    pollcache.invalidate(instance.pk)


def config_deleted(sender, instance, **kwargs):
    pollcache.invalidate(instance.device_id)


def config_templates_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    if is_managed():
        return
    if action == "pre_remove":
        required = model.objects.filter(pk__in=pk_set or ()) if not reverse else None
        if reverse and getattr(instance, "required", False):
            raise ValidationError("Required templates cannot be removed from the configuration")
        if required is not None and required.filter(required=True).exists():
            raise ValidationError("Required templates cannot be removed from the configuration")
        return
    if action not in ("post_add", "post_remove"):
        return  # post_clear is ignored: sortedm2m reorders by clearing and re-adding
    if reverse:
        for config in model.objects.filter(pk__in=pk_set or ()).select_related("device"):
            configs.refresh(config, "m2m_templates_changed")
    else:
        configs.refresh(instance, "m2m_templates_changed")


def template_saved(sender, instance, created, raw=False, **kwargs):
    if raw or is_managed():
        instance.mark_saved()
        return
    templates.after_save(instance, created)


def template_deleting(sender, instance, **kwargs):
    templates.before_delete(instance)


def template_deleted(sender, instance, **kwargs):
    templates.after_delete()


def group_saved(sender, instance, created, raw=False, **kwargs):
    if raw or is_managed():
        instance.mark_saved()
        return
    groups.after_save(instance, created)


def group_templates_changed(sender, instance, action, reverse, **kwargs):
    if is_managed() or reverse:
        return
    if action.startswith("pre_"):
        if not hasattr(instance, "_templates_before"):
            instance._templates_before = list(instance.templates.all())
        return
    old = getattr(instance, "_templates_before", None)
    if old is None:
        return
    del instance._templates_before
    new = list(instance.templates.all())
    if action == "post_clear":
        # sortedm2m's set() is a clear then an add: the add reports the whole change;
        # a clear that no add follows is reported when the transaction commits
        groups.templates_changed(instance, old, new, signal=False)
        instance._templates_cleared_from = old
        transaction.on_commit(partial(_report_clear, instance, old))
        return
    reported_old = instance.__dict__.pop("_templates_cleared_from", None)
    groups.templates_changed(instance, old, new, reported_old=reported_old)


def _report_clear(group, old):
    if group.__dict__.get("_templates_cleared_from") is old:
        del group._templates_cleared_from
        signals.group_templates_changed.send(
            sender=type(group), instance=group, templates=[], old_templates=list(old)
        )
