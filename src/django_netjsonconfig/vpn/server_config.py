"""A VPN server's own configuration: rendered, stored, answered to its agent.

A server's own configuration is rendered from its NetJSON (``Vpn.config``), with
what the controller manages added (WireGuard: the private key, the interface
address and the peers; VXLAN: ``vxlan.json``), and the variables ``ca``,
``cert``, ``key``, ``dh``, ``private_key``, ``public_key``, ``subnet``,
``subnet_prefixlen``, ``ip_address`` (and the global ones). Its checksum and
archive are stored; a change of its peers marks the stored render out of date
(one ``UPDATE``) and the next request of the VPN server agent renders it: the
peers' own configs are not touched.
"""

import ipaddress
import json
import logging
from typing import Any

from ..apps import get_optional_model
from ..rendering.render import Rendered, RenderError, Source, render_archive, render_text
from ..settings import app_settings
from . import addresses
from .defaults import PLACEHOLDER_DH, PLACEHOLDER_WG_KEY
from .kinds import fixed_vni, is_openvpn, kind, uses_keys

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def peers(vpn: Any) -> list[tuple[str, IPAddress, int | None]]:
    """The server's provisioned clients: ``[(public_key, ip address, vni)]`` by address."""
    client_model = get_optional_model("vpnclient")
    if client_model is None or vpn.pk is None:
        return []
    rows = (
        client_model.objects.filter(vpn=vpn, auto_cert=True)
        .exclude(ip_address=None)
        .values_list("public_key", "ip_address", "vni")
    )
    out = [(key, ipaddress.ip_address(ip), vni) for key, ip, vni in rows]
    out.sort(key=lambda row: (row[1].version, int(row[1])))
    return out


def server_netjson(
    vpn: Any, peer_rows: list[tuple[str, IPAddress, int | None]] | None = None
) -> dict[str, Any]:
    """The server's NetJSON with what the controller manages added."""
    config = json.loads(json.dumps(vpn.config or {}))
    current = kind(vpn)
    if current not in ("wireguard", "vxlan"):
        return config
    tunnels = config.get("wireguard")
    if not isinstance(tunnels, list) or not tunnels or not isinstance(tunnels[0], dict):
        return config  # the schema says what is missing
    peer_rows = peers(vpn) if peer_rows is None else peer_rows
    tunnel = tunnels[0]
    tunnel["private_key"] = "{{ private_key }}"
    tunnel.setdefault("address", "{{ ip_address }}/{{ subnet_prefixlen }}")
    tunnel["peers"] = [
        {"public_key": key, "allowed_ips": f"{ip}/{ip.max_prefixlen}"}
        for key, ip, _vni in peer_rows
        if key
    ]
    if current == "vxlan":
        vxlan = (config.get("vxlan") or [{}])[0]
        shared = fixed_vni(vpn)
        entries: list[dict[str, Any]] = []
        for _key, ip, vni in peer_rows:
            entry = {"vni": vni or shared, "remote": str(ip)}
            if isinstance(vxlan, dict) and vxlan.get("name"):
                entry["interface"] = vxlan["name"]
            entries.append(entry)
        files = config.setdefault("files", [])
        files.append(
            {
                "path": "vxlan.json",
                "mode": "0644",
                "contents": json.dumps(entries, indent=4, sort_keys=True),
            }
        )
    return config


def server_context(vpn: Any, *, sample: bool = False) -> dict[str, Any]:
    """The variables of the server's own configuration. With ``sample``, values not
    generated yet (an unsaved server) are placeholders."""
    context = dict(app_settings.CONTEXT or {})
    context["name"] = vpn.name
    ca = related(vpn, "ca")
    cert = related(vpn, "cert")
    if ca is not None:
        context["ca"] = ca.certificate
    if cert is not None:
        context["cert"] = cert.certificate
        context["key"] = cert.private_key
    elif sample and is_openvpn(vpn):
        context["cert"] = context["key"] = "(generated when saved)"
    if vpn.dh or (sample and is_openvpn(vpn)):
        context["dh"] = vpn.dh or PLACEHOLDER_DH
    if vpn.private_key or (sample and uses_keys(vpn)):
        context["private_key"] = vpn.private_key or PLACEHOLDER_WG_KEY
        context["public_key"] = vpn.public_key or PLACEHOLDER_WG_KEY
    if vpn.subnet:
        try:
            net = addresses.network(vpn.subnet)
        except ValueError:
            net = None
        if net is not None:
            context["subnet"] = str(net)
            context["subnet_prefixlen"] = str(net.prefixlen)
            ip = vpn.ip_address or (addresses.first_host(net) if sample else None)
            if ip:
                context["ip_address"] = str(ip)
    return context


def related(vpn: Any, name: str) -> Any:
    if not getattr(vpn, f"{name}_id", None):
        return None
    try:
        return getattr(vpn, name)
    except Exception:  # deleted meanwhile
        return None


def _sources(
    vpn: Any, peer_rows: list[tuple[str, IPAddress, int | None]] | None = None
) -> list[Source]:
    return [Source("VPN server configuration", server_netjson(vpn, peer_rows))]


def render(vpn: Any, *, sample: bool = False) -> Rendered:
    """Archive and checksum of the server's configuration (raises RenderError)."""
    return render_archive(vpn.backend, _sources(vpn), server_context(vpn, sample=sample))


def preview(vpn: Any) -> str:
    return render_text(vpn.backend, _sources(vpn), server_context(vpn, sample=True))


def refresh(vpn: Any) -> str | None:
    """Render the server and store its checksum and archive (unless a newer change was
    recorded meanwhile). Returns the checksum, None if it cannot be rendered."""
    token = type(vpn).objects.filter(pk=vpn.pk).values_list("render_pending", flat=True).first()
    if token is None:
        return None
    try:
        rendered = render(vpn)
    except RenderError as exc:
        logger.warning('VPN server "%s" cannot be rendered: %s', vpn, exc.message)
        return None
    type(vpn).objects.filter(pk=vpn.pk, render_pending=token).update(
        checksum_db=rendered.checksum, archive=rendered.archive, render_pending=0
    )
    vpn.checksum_db, vpn.archive, vpn.render_pending = rendered.checksum, rendered.archive, 0
    return rendered.checksum


def current(vpn_model: Any, pk: Any) -> tuple[str, str | None] | None:
    """``(key, checksum, archive)`` of a server, rendered first if out of date; None if
    there is no such server. ``checksum`` is None when it cannot be rendered."""
    row = vpn_model.objects.filter(pk=pk).values_list("key", "checksum_db", "render_pending")
    row = row.first()
    if row is None:
        return None
    key, checksum, pending = row
    if pending or checksum is None:
        vpn = vpn_model.objects.select_related("ca", "cert").get(pk=pk)
        checksum = refresh(vpn)
    return key, checksum


def stored_archive(vpn_model: Any, pk: Any, checksum: str | None) -> bytes | None:
    row = vpn_model.objects.filter(pk=pk).values_list("archive", "checksum_db").first()
    if row is not None and row[0] is not None and row[1] == checksum:
        return bytes(row[0])
    vpn = vpn_model.objects.select_related("ca", "cert").get(pk=pk)
    refresh(vpn)
    return bytes(vpn.archive) if vpn.archive is not None else None
