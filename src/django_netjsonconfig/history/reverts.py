"""Reverts and recoveries followed: runtime state kept, dependent configs re-rendered.

What devices report and what rendering stores (status, checksum, archive,
addresses, render bookkeeping) is not versioned: a revert keeps the current
values (:func:`keep_runtime_state`) and the config is rendered again.
Credentials (a device's key, a VPN server's key and key pair) are versioned, so
that a recovered device or server gets its own back, but a revert keeps the
current ones.

reversion reverts with raw saves, which the model receivers ignore (they serve
fixtures too). So a raw save of one of our models marks the configs that depend
on it for re-rendering once the transaction commits (:func:`after_raw_save`):
after a revert or a recovery the checksum is that of the restored data, and a
config whose required template the revert dropped gets it back.
"""

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F

from ..apps import get_model
from ..devices import pending as fanout
from ..devices import relations
from ..vpn.changes import client_configs

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

#: the registered models and their kind: "device", "config", "template",
#: "devicegroup" or "vpn" (filled by ``history.registration.connect``)
KINDS: dict[Any, str] = {}


def keep_runtime_state(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    """On a raw save (a revert), keep the runtime state the version does not hold, and
    the credentials of an object that exists (a recovered one gets those of its
    version)."""
    if not raw:
        return
    kind = KINDS.get(sender, "")
    fields = RUNTIME_FIELDS.get(kind, ()) + KEPT_ON_REVERT.get(kind, ())
    if not fields or instance.pk is None:
        return
    current = sender._base_manager.filter(pk=instance.pk).values(*fields).first()
    if current:
        for name, value in current.items():
            setattr(instance, name, value)


def raw_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        return
    kind = KINDS.get(sender)
    if kind:
        transaction.on_commit(partial(after_raw_save, kind, sender, instance.pk))


def after_raw_save(kind: str, model: Any, pk: Any) -> None:
    """Mark the configs that depend on a restored object for re-rendering; give back
    the required templates of their backend that a restored template list lacks."""
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


def _after_raw_save_vpn(model: Any, pk: Any) -> None:
    """A restored VPN server: rendered again at its agent's next request, and the
    configs of its clients (which show its address, subnet, public key) too."""
    with transaction.atomic():
        model._base_manager.filter(pk=pk).update(render_pending=F("render_pending") + 1)
        vpn = model._base_manager.filter(pk=pk).first()
        if vpn is not None:
            fanout.mark(client_configs(vpn), "related_template_changed")
