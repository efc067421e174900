"""History and recovery with django-reversion (optional).

When ``reversion`` is installed, :func:`connect` (called by the app config)
registers the concrete models:

- a device follows its config, so one version holds both and recovering a
  deleted device brings its configuration back (with its ordered templates);
- templates and device groups are versioned on their own (their ordered
  templates included);
- VPN servers are versioned on their own, without their clients (which follow the
  devices' templates);
- what devices report and what rendering stores (status, checksum, archive,
  addresses, render bookkeeping) is not versioned: a revert keeps the current
  values (see :func:`_keep_runtime_state`) and the config is rendered again;
- credentials (a device's key, a VPN server's key and key pair) are versioned, so
  that a recovered device or server gets its own back, but a revert keeps the
  current ones: a device authenticates with its current key, and the clients'
  configurations hold the server's current public key. The admin never shows them
  on the page of an old version.

Deleting a device, template or group first saves a version of it as it is
(:func:`snapshot`), so anything deleted, in the admin or elsewhere, can be
recovered from the admin's "Recover deleted" page.

reversion reverts with raw saves, which the model receivers ignore (they serve
fixtures too). So a raw save of one of our models marks the configs that depend
on it for re-rendering once the transaction commits (:func:`after_raw_save`):
after a revert or a recovery the checksum is that of the restored data, and a
config whose required template the revert dropped gets it back.
"""

import contextlib
from contextvars import ContextVar
from functools import partial

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save, pre_delete, pre_save
from django.utils import timezone

UID = "django_netjsonconfig.history"

#: fields that are not versioned, per model kind: runtime state, kept on revert
RUNTIME_FIELDS = {
    "device": ("last_ip", "management_ip"),
    "config": (
        "status",
        "error_reason",
        "checksum_db",
        "archive",
        "render_pending",
        "render_action",
        "context_fingerprint",
    ),
    "vpn": ("checksum_db", "archive", "render_pending"),
}
#: fields that are versioned (a recovered object gets them back) but that a revert of
#: an existing object does not change: its credentials
KEPT_ON_REVERT = {
    "device": ("key",),
    "vpn": ("key", "private_key", "public_key", "dh"),
}

_kinds = {}  # model -> "device" | "config" | "template" | "devicegroup" | "vpn"
_skip_snapshot = ContextVar("netjsonconfig_skip_snapshot", default=False)


def enabled():
    return apps.is_installed("reversion")


def connect(app):
    """Register the app's concrete models with reversion and connect the receivers."""
    if not enabled():
        return
    import reversion

    models = {
        "device": app.device_model,
        "config": app.config_model,
        "template": app.template_model,
        "devicegroup": app.devicegroup_model,
        "vpn": getattr(app, "vpn_model", None),
    }
    _kinds.clear()
    for kind, model in models.items():
        if model is None:
            continue
        _kinds[model] = kind
        if not reversion.is_registered(model):
            options = {"exclude": RUNTIME_FIELDS.get(kind, ())}
            if kind == "device":
                options["follow"] = ("config",)
            reversion.register(model, **options)
        pre_save.connect(_keep_runtime_state, sender=model, dispatch_uid=f"{UID}.pre_save")
        post_save.connect(_raw_saved, sender=model, dispatch_uid=f"{UID}.raw_saved")
        if kind != "config":
            pre_delete.connect(_deleting, sender=model, dispatch_uid=f"{UID}.deleting")


# --- versions --------------------------------------------------------------------------------
def is_versioned(model):
    if not enabled():
        return False
    import reversion

    return reversion.is_registered(model)


def snapshot(obj, comment):
    """Save now, in a revision of its own, a version of ``obj`` (and of what it follows)."""
    return snapshot_many([obj], comment)


def snapshot_many(objects, comment, user=None):
    """Save now a version of each of ``objects`` (and of what each follows), each in a
    revision of its own so that each can be reverted alone; returns how many revisions.

    Written directly rather than through ``create_revision``: a revision active
    around a deletion is saved after it, and reversion keeps only the versions of
    objects that still exist. In a few queries whatever the number of objects.
    """
    objects = [obj for obj in objects if is_versioned(type(obj))]
    if not objects:
        return 0
    import reversion
    from django.contrib.contenttypes.models import ContentType
    from django.core import serializers
    from django.db import connections, router
    from django.utils.encoding import force_str
    from reversion.models import Revision, Version
    from reversion.revisions import _follow_relations_recursive, _get_options

    if user is None and reversion.is_active():
        user = reversion.get_user()
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    now = timezone.now()
    revisions = [Revision(date_created=now, user=user, comment=comment) for _obj in objects]
    using = router.db_for_write(Revision)
    if connections[using].features.can_return_rows_from_bulk_insert:
        Revision.objects.using(using).bulk_create(revisions)
    else:
        for item in revisions:
            item.save(using=using)
    versions = []
    for obj, revision_ in zip(objects, revisions, strict=True):
        for item in _follow_relations_recursive(obj):
            options = _get_options(type(item))
            versions.append(
                Version(
                    revision=revision_,
                    content_type=ContentType.objects.db_manager(using).get_for_model(
                        item, options.for_concrete_model
                    ),
                    object_id=force_str(getattr(item, options.object_id_field)),
                    db=item._state.db or using,
                    format=options.format,
                    serialized_data=serializers.serialize(
                        options.format,
                        (item,),
                        fields=options.fields,
                        use_natural_foreign_keys=options.use_natural_foreign_keys,
                    ),
                    object_repr=force_str(item),
                )
            )
    Version.objects.using(using).bulk_create(versions, batch_size=500)
    return len(revisions)


def snapshot_devices(device_ids, comment, user=None):
    """:func:`snapshot_many` of devices (with their configs), in a fixed number of queries."""
    from ..apps import get_model

    device_model = get_model("device")
    if not is_versioned(device_model):
        return 0
    devices = (
        device_model.objects.filter(pk__in=list(device_ids))
        .select_related("config")
        .prefetch_related("config__templates")
    )
    return snapshot_many(list(devices), comment, user=user)


def unversioned(model, object_ids):
    """Those of ``object_ids`` (of ``model``) that have no version yet."""
    from reversion.models import Version

    ids = [str(pk) for pk in object_ids]
    have = set(
        Version.objects.get_for_model(model)
        .filter(object_id__in=ids)
        .values_list("object_id", flat=True)
    )
    return [pk for pk in ids if pk not in have]


@contextlib.contextmanager
def snapshots_taken():
    """Deletions in this block do not snapshot (the caller did)."""
    token = _skip_snapshot.set(True)
    try:
        yield
    finally:
        _skip_snapshot.reset(token)


def _deleting(sender, instance, **kwargs):
    if _skip_snapshot.get():
        return
    snapshot(instance, "Deleted.")


# --- reverts and recoveries ------------------------------------------------------------------
def _keep_runtime_state(sender, instance, raw=False, **kwargs):
    """On a raw save (a revert), keep the runtime state the version does not hold, and
    the credentials of an object that exists (a recovered one gets those of its
    version)."""
    if not raw:
        return
    kind = _kinds.get(sender)
    fields = RUNTIME_FIELDS.get(kind, ()) + KEPT_ON_REVERT.get(kind, ())
    if not fields or instance.pk is None:
        return
    current = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    if current:
        for name, value in current.items():
            setattr(instance, name, value)


def _raw_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        return
    kind = _kinds.get(sender)
    if kind:
        transaction.on_commit(partial(after_raw_save, kind, sender, instance.pk))


def after_raw_save(kind, model, pk):
    """Mark the configs that depend on a restored object for re-rendering; give back
    the required templates of their backend that a restored template list lacks."""
    from ..apps import get_model
    from ..devices import relations
    from ..fleet import fanout

    config_model = get_model("config")
    if kind == "vpn":
        _after_raw_save_vpn(model, pk)
        return
    if kind == "config":
        configs = config_model.objects.filter(pk=pk)
        action = "config_changed"
    elif kind == "device":
        configs = config_model.objects.filter(device_id=pk)
        action = "config_changed"
    elif kind == "template":
        configs = config_model.objects.filter(templates__pk=pk)
        action = "related_template_changed"
    else:  # devicegroup
        configs = config_model.objects.filter(device__group_id=pk)
        action = "config_changed"
    with transaction.atomic():
        if kind == "template":
            template = model._base_manager.filter(pk=pk).first()
            if template is not None and template.required:
                relations.bulk_add(config_model.objects.all(), template)
        elif kind in ("config", "device"):
            required = get_model("template").objects.filter(required=True)
            for template in required:
                relations.bulk_add(configs, template)
        fanout.mark(config_model.objects.filter(pk__in=configs.values("pk")), action)


def _after_raw_save_vpn(model, pk):
    """A restored VPN server: rendered again at its agent's next request, and the
    configs of its clients (which show its address, subnet, public key) too."""
    from django.db.models import F

    from ..fleet import fanout
    from ..vpn import servers as vpns

    with transaction.atomic():
        model._base_manager.filter(pk=pk).update(render_pending=F("render_pending") + 1)
        vpn = model._base_manager.filter(pk=pk).first()
        if vpn is not None:
            fanout.mark(vpns.client_configs(vpn), "related_template_changed")
