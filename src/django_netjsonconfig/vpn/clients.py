"""VPN clients: a config that uses a VPN client template is a client of its server.

:func:`sync` makes a config's clients match its VPN templates. It runs just
before every render of a config (``devices.configs.refresh``, through the
``before_render`` registry), which every path that changes templates goes
through: the services, the m2m receivers, and the background batches of the
fan-out. So a VPN template given to a whole group gets its certificates
generated in those batches, not in the request. A config with no VPN template
and no client skips it (:func:`sync_needed`, asked once per batch).

A client of a template with ``auto_cert`` is *provisioned*: an OpenVPN client
gets a certificate of the server's CA (common name from
``NETJSONCONFIG_COMMON_NAME_FORMAT``), a WireGuard one a key pair and the lowest
free address of the server's range, a VXLAN one a VNI, and, with a subnet
division rule on the server, a block of subnets. Unique constraints in the
database settle races: two devices never get the same address, VNI or block
(the loser picks the next one). Removing the template deletes the client and
revokes its certificate.
"""

import ipaddress
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import signals
from ..apps import get_model, get_optional_model
from ..devices import configs
from ..pki import certificates as pki
from ..rendering.render import RenderError
from ..workflow.sending import send_on_commit
from . import addresses
from .allocation import check, next_address, next_division, next_vni, taken
from .changes import peers_changed
from .client_templates import vpn_templates
from .issuing import build_client_cert, common_name
from .kinds import fixed_vni, has_division
from .kinds import kind as kind_of
from .names import is_secret
from .variables import context_layers, division_of

__all__ = [
    "after_delete",
    "build_client_cert",
    "check",
    "common_name",
    "context_layers",
    "deprovision",
    "is_secret",
    "provision",
    "set_address",
    "sync",
    "sync_needed",
]

logger = logging.getLogger(__name__)

ATTEMPTS = 8


# --- the hook: make a config's clients match its templates --------------------------------------
def sync(config: Any, templates: list[Any] | None = None) -> bool:
    """Create, update, repair and delete the VPN clients of ``config`` (a saved config)
    so that they match its VPN templates (``templates``: its ordered templates, read when
    None). Raises ``RenderError`` when a client cannot be provisioned (a full range);
    nothing of that client is then saved."""
    try:
        return _sync(config, templates)
    except ValidationError as exc:
        raise RenderError(" ".join(exc.messages)) from None


def sync_needed(configs: Iterable[Any], templates_of: Mapping[Any, Any]) -> set[Any]:
    """The pks of ``configs`` whose clients :func:`sync` may have to change: those with a
    VPN template, and those that have a client (its template may be gone). One query for
    all of them (none when every config is new or has a VPN template)."""
    client_model = get_optional_model("vpnclient")
    if client_model is None:
        return set()
    needed = {c.pk for c in configs if vpn_templates(templates_of.get(c.pk, ()))}
    saved = [c.pk for c in configs if c.pk not in needed and not c._state.adding]
    if saved:
        needed.update(
            client_model.objects.filter(config_id__in=saved)
            .values_list("config_id", flat=True)
            .distinct()
        )
    return needed


sync.needed = sync_needed  # type: ignore[attr-defined]


def _sync(config: Any, templates: list[Any] | None) -> bool:
    client_model = get_optional_model("vpnclient")
    if client_model is None or config.pk is None:
        return False
    if templates is None:
        templates = configs.ordered_templates(config)
    wanted = vpn_templates(templates)
    existing = list(
        client_model.objects.filter(config_id=config.pk).select_related("vpn", "vpn__ca", "cert")
    )
    if not wanted and not existing:
        return False
    changed = False
    for client in existing:
        template = wanted.pop(client.vpn_id, None)
        if template is None:
            client.delete()  # the receiver revokes its certificate
            changed = True
            continue
        if client.template_id != template.pk or client.auto_cert != template.auto_cert:
            client.template, client.auto_cert = template, template.auto_cert
            client.save(update_fields=["template", "auto_cert", "modified"])
            changed = True
        changed |= provision(client)
    for template in wanted.values():
        client = client_model(
            config=config, vpn=template.vpn, template=template, auto_cert=template.auto_cert
        )
        client.config = config
        provision(client)
        changed = True
    return changed


# --- provisioning ---------------------------------------------------------------------------------
def _needs(client: Any) -> dict[str, bool]:
    vpn = client.vpn
    kind = kind_of(vpn)
    if not client.auto_cert:
        return {}
    needs: dict[str, bool] = {}
    cert = client.cert if client.cert_id else None
    if kind == "openvpn" and vpn.ca_id:
        if cert is None or cert.ca_id != vpn.ca_id or cert.revoked:
            needs["cert"] = True
    if kind in ("wireguard", "vxlan") and not (client.private_key and client.public_key):
        needs["keys"] = True
    if vpn.subnet:
        net = addresses.network(vpn.subnet)
        if not client.ip_address or not addresses.contains(net, client.ip_address):
            needs["ip"] = True
    elif client.ip_address:
        needs["no_ip"] = True
    if kind == "vxlan" and not fixed_vni(vpn) and not client.vni:
        needs["vni"] = True
    if has_division(vpn) and client.division_index is None:
        needs["division"] = True
    elif not has_division(vpn) and client.division_index is not None:
        needs["no_division"] = True
    return needs


def provision(client: Any) -> bool:
    """Give ``client`` (saved or not) what it lacks; save it. Returns True if it changed."""
    if not client.auto_cert:
        return deprovision(client)
    needs = _needs(client)
    if not needs and not client._state.adding:
        return False
    vpn = client.vpn
    # the slow part (RSA) before any transaction: no lock is held while it runs
    new_cert = build_client_cert(client) if needs.get("cert") else None
    old_cert = client.cert if needs.get("cert") and client.cert_id else None
    if needs.get("keys"):
        client.private_key, client.public_key = pki.wireguard_keys()
    if needs.get("no_ip"):
        client.ip_address = None
    if needs.get("no_division"):
        client.division_index = None
    adding = client._state.adding
    for _attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                if new_cert is not None:
                    new_cert.save(force_insert=True)
                    client.cert = new_cert
                if needs.get("ip"):
                    client.ip_address = str(next_address(vpn, client))
                if needs.get("vni"):
                    client.vni = next_vni(vpn, client)
                if needs.get("division"):
                    client.division_index = next_division(vpn, client)
                client.save()
                if old_cert is not None:
                    pki.revoke(old_cert)
            break
        except IntegrityError:
            # another transaction took the same address, VNI or block (or created this
            # config's client itself): try again with what is free now
            if new_cert is not None:
                new_cert._state.adding = True
            if adding:
                client._state.adding = True
                other = type(client).objects.filter(config_id=client.config_id, vpn=vpn).first()
                if other is not None:
                    return False
    else:
        raise RenderError(f'VPN server "{vpn}": could not provision the client, try again')
    if needs.keys() & {"ip", "keys", "no_ip"} or adding:
        peers_changed(vpn.pk)
    if needs.get("division"):
        _send_provisioned(client)
    return True


def deprovision(client: Any) -> bool:
    """A client without ``auto_cert``: nothing generated for it is kept."""
    changed = False
    if client.cert_id:
        pki.revoke(client.cert)
        client.cert = None
        changed = True
    for field, empty in (
        ("private_key", ""),
        ("public_key", ""),
        ("ip_address", None),
        ("vni", None),
        ("division_index", None),
    ):
        if getattr(client, field) not in ("", None):
            setattr(client, field, empty)
            changed = True
    if changed or client._state.adding:
        client.save()
        peers_changed(client.vpn_id)
    return changed


def set_address(client: Any, address: Any) -> None:
    """Give ``client`` the address ``address`` (an operator's choice). Raises
    ``ValidationError`` when it is outside the range, the server's, or another
    client's."""
    vpn = client.vpn
    if not vpn.subnet:
        raise ValidationError({"ip_address": f'The VPN server "{vpn}" has no address range.'})
    net = addresses.network(vpn.subnet)
    if not addresses.contains(net, address):
        raise ValidationError({"ip_address": f"{address} is not a host address of {net}."})
    address = str(ipaddress.ip_address(str(address)))
    if address == vpn.ip_address:
        raise ValidationError({"ip_address": f"{address} is the server's own address."})
    taken_by = taken(vpn, client, "ip_address").filter(ip_address=address)
    if taken_by.exists():
        raise ValidationError({"ip_address": f"The address {address} is already taken."})
    client.ip_address = address
    try:
        with transaction.atomic():
            client.save(update_fields=["ip_address", "modified"])
    except IntegrityError:
        raise ValidationError({"ip_address": f"The address {address} is already taken."}) from None
    peers_changed(vpn.pk)
    configs.refresh(type(client.config).objects.get(pk=client.config_id), "config_changed")


# --- deletion (receiver) -------------------------------------------------------------------------
def after_delete(client: Any) -> None:
    """A client is gone (its template removed, its config or server deleted): revoke its
    automatic certificate, and update the server's peers."""
    if client.cert_id and client.auto_cert:
        cert_model = get_model("cert")
        cert_model.objects.filter(pk=client.cert_id, revoked=False).update(
            revoked=True, revoked_at=timezone.now()
        )
    if client.ip_address or client.public_key:
        peers_changed(client.vpn_id)


def _send_provisioned(client: Any) -> None:
    send_on_commit(
        signals.subnet_provisioned,
        type(client),
        instance=client,
        provisioned=division_of(client.vpn, client.division_index),
    )
