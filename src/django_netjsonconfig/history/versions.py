"""Versions of the app's objects with django-reversion (optional): saved, snapshotted.

Deleting a device, template or group first saves a version of it as it is
(:func:`snapshot`), so anything deleted, in the admin or elsewhere, can be
recovered from the admin's "Recover deleted" page. What is versioned and how a
revert is followed is in ``history.registration`` and ``history.reverts``.
"""

import contextlib
import functools
import types
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import connections, router
from django.utils import timezone
from django.utils.encoding import force_str

from ..apps import get_model

_skip_snapshot = ContextVar("netjsonconfig_skip_snapshot", default=False)


@functools.cache
def reversion_lib() -> types.SimpleNamespace:
    """django-reversion (an optional dependency) and the content types it needs,
    imported the first time a version is read or written."""
    import reversion
    from django.contrib.contenttypes.models import ContentType
    from reversion.models import Revision, Version
    from reversion.revisions import _follow_relations_recursive, _get_options

    return types.SimpleNamespace(
        reversion=reversion,
        ContentType=ContentType,
        Revision=Revision,
        Version=Version,
        follow_relations=_follow_relations_recursive,
        options=_get_options,
    )


def enabled() -> bool:
    return apps.is_installed("reversion")


# --- versions --------------------------------------------------------------------------------
def is_versioned(model: Any) -> bool:
    if not enabled():
        return False
    registered: bool = reversion_lib().reversion.is_registered(model)
    return registered


def snapshot(obj: Any, comment: str) -> int:
    """Save now, in a revision of its own, a version of ``obj`` (and of what it follows)."""
    return snapshot_many([obj], comment)


def snapshot_many(objects: Iterable[Any], comment: str, user: Any = None) -> int:
    """Save now a version of each of ``objects`` (and of what each follows), each in a
    revision of its own so that each can be reverted alone; returns how many revisions.

    Written directly rather than through ``create_revision``: a revision active
    around a deletion is saved after it, and reversion keeps only the versions of
    objects that still exist. In a few queries whatever the number of objects.
    """
    objects = [obj for obj in objects if is_versioned(type(obj))]
    if not objects:
        return 0
    lib = reversion_lib()
    reversion, ContentType = lib.reversion, lib.ContentType
    Revision, Version = lib.Revision, lib.Version
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
        for item in lib.follow_relations(obj):
            options = lib.options(type(item))
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


def snapshot_devices(device_ids: Iterable[Any], comment: str, user: Any = None) -> int:
    """:func:`snapshot_many` of devices (with their configs), in a fixed number of queries."""
    device_model = get_model("device")
    if not is_versioned(device_model):
        return 0
    devices = (
        device_model.objects.filter(pk__in=list(device_ids))
        .select_related("config")
        .prefetch_related("config__templates")
    )
    return snapshot_many(list(devices), comment, user=user)


def unversioned(model: Any, object_ids: Iterable[Any]) -> list[str]:
    """Those of ``object_ids`` (of ``model``) that have no version yet."""
    Version = reversion_lib().Version
    ids = [str(pk) for pk in object_ids]
    have = set(
        Version.objects.get_for_model(model)
        .filter(object_id__in=ids)
        .values_list("object_id", flat=True)
    )
    return [pk for pk in ids if pk not in have]


@contextlib.contextmanager
def snapshots_taken() -> Iterator[None]:
    """Deletions in this block do not snapshot (the caller did)."""
    token = _skip_snapshot.set(True)
    try:
        yield
    finally:
        _skip_snapshot.reset(token)


def deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Receiver of ``pre_delete``: a version of what is deleted, unless the caller took it."""
    if _skip_snapshot.get():
        return
    snapshot(instance, "Deleted.")
