"""VPN servers: validated, completed with what the controller generates, saved.

:func:`save` is the one way a server is created or changed (the admin uses it):
it validates (:func:`validate`), fills what the controller generates
(:func:`prepare`: key, default NetJSON, server certificate, placeholder DH,
WireGuard keys, server address), saves, renders, and has what depends on the
server follow (:func:`after_save`).

The rest of the VPN room, by job: ``kinds`` (what a server is), ``defaults``,
``names`` (its variables' names), ``server_config`` (its own rendered
configuration), ``dhparams``, ``issuing`` (the certificates it issues),
``changes`` (what a change makes follow), ``client_templates``, ``clients`` (a
config's clients), ``allocation`` (addresses, VNIs, subnet blocks),
``addresses`` (address arithmetic), ``variables`` (what a client's config gets).
The names other packages and existing callers use are importable from here too.
"""

import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from .. import signals
from ..apps import get_model, get_optional_model
from ..devices import pending as fanout
from ..pki import certificates as pki
from ..queue import enqueue
from ..rendering.render import RenderError
from ..workflow import unit
from . import addresses
from .changes import (
    CLIENT_FIELDS,
    SERVER_FIELDS,
    certificate_changed,
    client_configs,
    on_commit_once,
    peers_changed,
)
from .client_templates import auto_client, clean_template
from .defaults import PLACEHOLDER_DH, PLACEHOLDER_WG_KEY, default_config
from .dhparams import generate_dh
from .issuing import issue_server_cert
from .kinds import fixed_vni, has_division, is_openvpn, kind, uses_keys
from .names import variable, variable_names
from .server_config import (
    current,
    preview,
    refresh,
    render,
    server_context,
    server_netjson,
    stored_archive,
)
from .variables import server_variables

__all__ = [
    "CLIENT_FIELDS",
    "PLACEHOLDER_DH",
    "PLACEHOLDER_WG_KEY",
    "SERVER_FIELDS",
    "after_save",
    "auto_client",
    "certificate_changed",
    "clean_template",
    "client_configs",
    "current",
    "default_config",
    "fixed_vni",
    "generate_dh",
    "has_division",
    "is_openvpn",
    "issue_server_cert",
    "kind",
    "peers_changed",
    "prepare",
    "preview",
    "refresh",
    "render",
    "save",
    "server_context",
    "server_netjson",
    "server_variables",
    "stored_archive",
    "uses_keys",
    "validate",
    "variable",
    "variable_names",
]


def validate(vpn: Any) -> None:
    """Raise ``ValidationError`` (by field) if ``vpn`` as it is cannot be saved."""
    errors: dict[str, str] = {}
    try:
        current = kind(vpn)
    except RenderError as exc:
        raise ValidationError({"backend": exc.message}) from None
    client_model = get_optional_model("vpnclient")
    if not vpn._state.adding and client_model is not None:
        old_backend = type(vpn).objects.filter(pk=vpn.pk).values_list("backend", flat=True)
        old_backend = old_backend.first()
        if old_backend and old_backend != vpn.backend and _clients(vpn).exists():
            errors["backend"] = (
                "The backend cannot be changed while the server has clients: remove its "
                "templates from the devices first."
            )
    if current == "openvpn":
        if not vpn.ca_id:
            errors["ca"] = "OpenVPN needs a certificate authority."
        elif vpn.cert_id and vpn.cert.ca_id != vpn.ca_id:
            # a certificate chosen now must be of the CA; the one the server had when
            # its CA changes is replaced by a new one (see ``prepare``)
            chosen_now = vpn._state.adding or vpn.loaded_value("cert_id") != vpn.cert_id
            if chosen_now:
                errors["cert"] = "The certificate must be issued by the selected CA."
    if current in ("wireguard", "vxlan") and not vpn.subnet:
        errors["subnet"] = "WireGuard needs an address range for its clients."
    net = None
    if vpn.subnet:
        try:
            net = addresses.network(vpn.subnet)
        except ValueError as exc:
            errors["subnet"] = f"Not a network in CIDR notation: {exc}"
    if net is not None and vpn.ip_address:
        if not addresses.contains(net, vpn.ip_address):
            errors["ip_address"] = f"The server address must be a host address of {net}."
        elif (
            client_model is not None
            and vpn.pk
            and _clients(vpn).filter(ip_address=vpn.ip_address).exists()
        ):
            taken_by = _clients(vpn).filter(ip_address=vpn.ip_address).first()
            errors["ip_address"] = (
                f"The address {vpn.ip_address} is already taken by {taken_by.config}."
            )
    errors.update(_division_errors(vpn))
    if errors:
        raise ValidationError(errors)
    if not vpn.config:
        vpn.config = default_config(vpn)
    try:
        render(vpn, sample=True)
    except RenderError as exc:
        raise ValidationError({"config": exc.message}) from None


def _clients(vpn: Any) -> Any:
    return get_model("vpnclient").objects.filter(vpn=vpn)


def _division_errors(vpn: Any) -> dict[str, str]:
    if not vpn.division_label:
        return {}
    errors: dict[str, str] = {}
    label = vpn.division_label
    if not label.isidentifier():
        errors["division_label"] = "Letters, digits and underscores, not starting with a digit."
    needed = ("division_master_subnet", "division_size", "division_number_of_subnets")
    for field in needed + ("division_number_of_ips",):
        if getattr(vpn, field) in (None, ""):
            errors[field] = "Needed for a subnet division."
    if errors:
        return errors
    try:
        master = addresses.network(vpn.division_master_subnet)
    except ValueError as exc:
        return {"division_master_subnet": f"Not a network in CIDR notation: {exc}"}
    size = vpn.division_size
    if size <= master.prefixlen or size > master.max_prefixlen:
        return {
            "division_size": f"Between {master.prefixlen + 1} and {master.max_prefixlen} for "
            f"{master}."
        }
    if addresses.division_capacity(master, size, vpn.division_number_of_subnets) < 1:
        errors["division_number_of_subnets"] = f"{master} has no room for that many /{size}."
    subnet_hosts = addresses.capacity(addresses.division_block(master, size, 1, 0)[0])
    if vpn.division_number_of_ips > subnet_hosts:
        errors["division_number_of_ips"] = f"A /{size} has {subnet_hosts} usable addresses."
    if not vpn._state.adding and _clients(vpn).exclude(division_index=None).exists():
        old = type(vpn).objects.get(pk=vpn.pk)
        for field in ("division_master_subnet", "division_size", "division_number_of_subnets"):
            if getattr(old, field) != getattr(vpn, field):
                errors[field] = "Cannot be changed once clients have their subnets."
        if (old.division_number_of_ips or 0) > vpn.division_number_of_ips:
            errors["division_number_of_ips"] = "Can only grow once clients have their subnets."
    return errors


def prepare(vpn: Any) -> bool:
    """Fill what the controller generates: key, default NetJSON, server certificate,
    placeholder DH, WireGuard keys, server address. Returns True if DH parameters must
    be generated."""
    if not vpn.key:
        vpn.key = secrets.token_hex(16)
    if not vpn.config:
        vpn.config = default_config(vpn)
    current = kind(vpn)
    needs_dh = False
    if current == "openvpn":
        if vpn.ca_id and (not vpn.cert_id or vpn.cert.ca_id != vpn.ca_id):
            vpn.cert = issue_server_cert(vpn)
        if not vpn.dh:
            vpn.dh = PLACEHOLDER_DH
        needs_dh = vpn.dh == PLACEHOLDER_DH
    else:
        vpn.ca, vpn.cert, vpn.dh = None, None, ""
    if current in ("wireguard", "vxlan"):
        if not (vpn.private_key and vpn.public_key):
            vpn.private_key, vpn.public_key = pki.wireguard_keys()
    else:
        vpn.private_key = vpn.public_key = ""
    if vpn.subnet and not vpn.ip_address:
        vpn.ip_address = str(addresses.first_host(addresses.network(vpn.subnet)))
    if not vpn.subnet:
        vpn.ip_address = None
    return needs_dh


@transaction.atomic
def save(vpn: Any) -> Any:
    """Save ``vpn`` (new or changed) with what the controller generates, render it,
    and have what depends on it follow. Raises ``ValidationError``; then nothing is
    saved (the server certificate it would have issued included)."""
    validate(vpn)
    prepare(vpn)
    vpn.save()  # the model receiver records after_save() into the unit of work
    unit.settle()
    return vpn


def after_save(vpn: Any, created: bool, changed: set[str], *, needs_dh: bool | None = None) -> None:
    """A saved server: its render, the clients' configs, ``vpn_server_modified``, DH."""
    vpn.mark_saved()
    if needs_dh is None:
        needs_dh = is_openvpn(vpn) and vpn.dh in ("", PLACEHOLDER_DH)
    type(vpn).objects.filter(pk=vpn.pk).update(render_pending=F("render_pending") + 1)
    refresh(vpn)
    if needs_dh:
        enqueue("generate_dh", vpn.pk)
    if created or not (changed & SERVER_FIELDS):
        return
    if changed & CLIENT_FIELDS:
        fanout.mark(client_configs(vpn), "related_template_changed")
    on_commit_once(signals.vpn_server_modified, vpn)
