"""What a VPN client's config gets: the server's variables and its own.

Every client of a server gets the server's host, port, CA, public key...
(:func:`server_variables`); a provisioned client its certificate, keys, address,
VNI and subnets (:func:`client_variables`); a client not created yet (a preview,
a validation) placeholders. :func:`context_layers` is the VPN layer of a config's
variables (``rendering.context``).
"""

from collections.abc import Iterable
from typing import Any

from ..apps import get_optional_model
from ..rendering.render import RenderError, backend_class
from ..settings import app_settings
from ..vpn_backends import main_property
from . import addresses
from .allocation import lowest_free, next_address, next_division, taken
from .client_templates import vpn_templates
from .defaults import PLACEHOLDER_WG_KEY
from .kinds import fixed_vni, has_division
from .kinds import kind as kind_of
from .names import ca_path, variable_names
from .server_config import related

PLACEHOLDER_CERT = "(the device's certificate, issued when the configuration is saved)"
PLACEHOLDER_KEY = "(the device's private key, generated when the configuration is saved)"


def server_variables(vpn: Any) -> dict[str, Any]:
    """What every client of ``vpn`` gets from the server (host, port, CA, server key...)."""
    names = variable_names(vpn)
    values: dict[str, Any] = {names["vpn_host"]: vpn.host}
    current = kind_of(vpn)
    tunnel = ((vpn.config or {}).get(main_property(backend_class(vpn.backend))) or [{}])[0]
    if isinstance(tunnel, dict) and tunnel.get("port"):
        values[names["vpn_port"]] = tunnel["port"]
    ca = related(vpn, "ca")
    if current == "openvpn" and ca is not None:
        values[names["ca_path"]] = ca_path(vpn, ca)
        values[names["ca_contents"]] = ca.certificate
    if current in ("wireguard", "vxlan"):
        values[names["public_key"]] = vpn.public_key
        if vpn.subnet and vpn.ip_address:
            net = addresses.network(vpn.subnet)
            values[names["server_ip_address"]] = vpn.ip_address
            values[names["server_ip_network"]] = f"{vpn.ip_address}/{net.max_prefixlen}"
            values[names["vpn_subnet"]] = str(net)
    return values


def division_of(vpn: Any, index: int | None) -> dict[str, list[Any]] | None:
    """``{"subnets": [...], "ip_addresses": [...]}`` of the block ``index``, or None."""
    if index is None or not has_division(vpn):
        return None
    master = addresses.network(vpn.division_master_subnet)
    subnets = addresses.division_block(
        master, vpn.division_size, vpn.division_number_of_subnets, index
    )
    ips = [ip for s in subnets for ip in addresses.division_hosts(s, vpn.division_number_of_ips)]
    return {"subnets": subnets, "ip_addresses": ips}


def division_variables(vpn: Any, index: int | None) -> dict[str, str]:
    provisioned = division_of(vpn, index)
    if provisioned is None:
        return {}
    label = vpn.division_label
    values = {f"{label}_prefixlen": str(vpn.division_size)}
    for n, subnet in enumerate(provisioned["subnets"], start=1):
        values[f"{label}_subnet{n}"] = str(subnet)
        for m, ip in enumerate(addresses.division_hosts(subnet, vpn.division_number_of_ips), 1):
            values[f"{label}_subnet{n}_ip{m}"] = str(ip)
    return values


def client_variables(vpn: Any, client: Any, auto_cert: bool = True) -> dict[str, Any]:
    """What a client of ``vpn`` gets of its own. ``client`` None (not created yet: a
    preview, a validation) gives placeholders."""
    if client is not None and not client.auto_cert:
        return {}
    if client is None and not auto_cert:
        return {}
    names = variable_names(vpn)
    suffix = vpn.pk.hex
    kind = kind_of(vpn)
    values: dict[str, Any] = {}
    if kind == "openvpn":
        cert = client.cert if client is not None and client.cert_id else None
        values[names["cert_path"]] = f"{app_settings.CERT_PATH}/client-{suffix}.pem"
        values[names["key_path"]] = f"{app_settings.CERT_PATH}/key-{suffix}.pem"
        values[names["cert_contents"]] = cert.certificate if cert else PLACEHOLDER_CERT
        values[names["key_contents"]] = cert.private_key if cert else PLACEHOLDER_KEY
    if kind in ("wireguard", "vxlan"):
        has_keys = client is not None and client.private_key
        values[names["pvt_key"]] = client.private_key if has_keys else PLACEHOLDER_WG_KEY
        values[names["pub_key"]] = client.public_key if has_keys else PLACEHOLDER_WG_KEY
    if vpn.subnet:
        ip = client.ip_address if client is not None else None
        if ip is None:
            try:
                ip = next_address(vpn, None)
            except RenderError:
                ip = addresses.first_host(addresses.network(vpn.subnet))
        if "ip_address" in names:
            values[names["ip_address"]] = str(ip)
    if kind == "vxlan":
        vni = fixed_vni(vpn) or (client.vni if client is not None else None)
        values[names["vni"]] = vni or lowest_free(taken(vpn, None, "vni"), 1)
    if has_division(vpn):
        index = client.division_index if client is not None else None
        if index is None:
            try:
                index = next_division(vpn, None)
            except RenderError:
                index = 0
        values.update(division_variables(vpn, index))
    return values


def context_layers(
    device: Any, templates: Iterable[Any], config: Any = None
) -> list[tuple[str, dict[str, Any]]]:
    """The VPN layer of a config's variables (``rendering.context``): one source per VPN
    server of its templates, ``("vpn:<server name>", {...})``."""
    client_model = get_optional_model("vpnclient")
    wanted = vpn_templates(templates)
    if client_model is None or not wanted:
        return []
    if config is None and device is not None and device.pk is not None:
        try:
            config = device.config
        except Exception:  # no config yet
            config = None
    clients: dict[Any, Any] = {}
    if config is not None and config.pk is not None and not config._state.adding:
        clients = {
            c.vpn_id: c
            for c in client_model.objects.filter(config_id=config.pk).select_related(
                "vpn", "vpn__ca", "cert"
            )
        }
    out = []
    for vpn_id, template in wanted.items():
        client = clients.get(vpn_id)
        vpn = client.vpn if client is not None else template.vpn
        values = server_variables(vpn)
        values.update(client_variables(vpn, client, template.auto_cert))
        out.append((f"vpn:{vpn.name}", values))
    return out
