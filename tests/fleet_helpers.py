"""Helpers of the fleet tests (bulk actions, dashboard, import and export, history):
many devices at once, and the admin's action posts."""

import itertools
import uuid

from django.urls import reverse

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import relations
from django_netjsonconfig.fleet import fanout

from .admin_helpers import admin_url
from .factories import OPENWRT, extra_fields

_numbers = itertools.count(1)


def bulk_fleet(count, *, group=None, backend=OPENWRT, templates=(), render=True, **device_fields):
    """``count`` devices with a config each, written in bulk (no render per device unless
    ``render``, then in one fan-out)."""
    device_model, config_model = get_model("device"), get_model("config")
    devices = []
    for _ in range(count):
        n = next(_numbers)
        devices.append(
            device_model(
                name=f"fleet-{n}",
                mac_address=f"02:00:{(n >> 24) & 255:02X}:{(n >> 16) & 255:02X}:"
                f"{(n >> 8) & 255:02X}:{n & 255:02X}",
                key=uuid.uuid4().hex,
                group=group,
                **extra_fields(device_model, **device_fields),
            )
        )
    device_model.objects.bulk_create(devices)
    config_model.objects.bulk_create(
        [config_model(device=d, backend=backend, **extra_fields(config_model)) for d in devices]
    )
    configs = config_model.objects.filter(device__in=devices)
    for position, template in enumerate(templates):
        relations.bulk_add(configs, template, position)
    if render:
        fanout.mark(configs, "config_changed", render=False)
        fanout.render_pending()
    return list(device_model.objects.filter(pk__in=[d.pk for d in devices]).order_by("name"))


def changelist_url(query=""):
    return admin_url("device", "changelist") + (f"?{query}" if query else "")


def choose_action(client, action, devices=(), *, select_across=False, query=""):
    """The first post of an action from the list (what the "Go" button sends)."""
    return client.post(
        changelist_url(query),
        {
            "action": action,
            "index": "0",
            "select_across": "1" if select_across else "0",
            "_selected_action": [str(d.pk) for d in devices],
        },
    )


def apply_action(client, action, devices=(), *, select_across=False, query="", **data):
    """The post of an action's intermediate page ("Apply")."""
    payload = {
        "action": action,
        "select_across": "1" if select_across else "0",
        "_selected_action": [str(d.pk) for d in devices],
        "apply": "yes",
    }
    payload.update(data)
    return client.post(changelist_url(query), payload)


def messages_of(response):
    return [str(m) for m in response.wsgi_request._messages]


def job_url(job, view="bulkjob"):
    opts = get_model("device")._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[job.pk])
