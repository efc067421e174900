"""History and recovery with django-reversion (optional): what is versioned.

When ``reversion`` is installed, :func:`connect` (called when the app starts,
through ``django_netjsonconfig.wiring``) registers the concrete models:

- a device follows its config, so one version holds both and recovering a
  deleted device brings its configuration back (with its ordered templates);
- templates and device groups are versioned on their own (their ordered
  templates included);
- VPN servers are versioned on their own, without their clients (which follow the
  devices' templates);
- runtime state is not versioned and credentials are kept on revert
  (``history.reverts``); the admin never shows credentials on the page of an old
  version;
- deleting a device, template or group first saves a version of it
  (``history.versions``).
"""

from typing import Any

from django.db.models.signals import post_save, pre_delete, pre_save

from . import reverts, versions
from .versions import enabled

UID = "django_netjsonconfig.history"


def connect(app: Any) -> None:
    """Register the app's concrete models with reversion and connect the receivers."""
    if not enabled():
        return
    reversion = versions.reversion_lib().reversion
    models = {
        "device": app.device_model,
        "config": app.config_model,
        "template": app.template_model,
        "devicegroup": app.devicegroup_model,
        "vpn": getattr(app, "vpn_model", None),
    }
    reverts.KINDS.clear()
    for kind, model in models.items():
        if model is None:
            continue
        reverts.KINDS[model] = kind
        if not reversion.is_registered(model):
            options: dict[str, Any] = {"exclude": reverts.RUNTIME_FIELDS.get(kind, ())}
            if kind == "device":
                options["follow"] = ("config",)
            reversion.register(model, **options)
        pre_save.connect(reverts.keep_runtime_state, sender=model, dispatch_uid=f"{UID}.pre_save")
        post_save.connect(reverts.raw_saved, sender=model, dispatch_uid=f"{UID}.raw_saved")
        if kind != "config":
            pre_delete.connect(versions.deleting, sender=model, dispatch_uid=f"{UID}.deleting")
