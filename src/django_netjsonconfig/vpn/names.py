"""The names of the variables a VPN server gives its clients (``vpn_host_<server id>``...)."""

from typing import Any

from ..settings import app_settings
from .kinds import kind

#: the variables holding a device's private key
SECRET_PREFIXES = ("key_contents_", "pvt_key_")


def variable(name: str) -> str:
    """``"{{ name }}"``: a reference to a configuration variable."""
    return "{{ " + name + " }}"


def is_secret(name: str) -> bool:
    """True for the variables holding a device's private key (``key_contents_<id>``,
    ``pvt_key_<id>``): a page that lists variables should mask them for users who may
    not change the device."""
    return name.startswith(SECRET_PREFIXES)


def variable_names(vpn: Any) -> dict[str, str]:
    """The names of the per-server variables, ``{role: "<role>_<server id hex>"}``."""
    suffix = vpn.pk.hex
    names = {"vpn_host": f"vpn_host_{suffix}", "vpn_port": f"vpn_port_{suffix}"}
    current = kind(vpn)
    if current == "openvpn":
        for role in ("ca_path", "ca_contents", "cert_path", "cert_contents"):
            names[role] = f"{role}_{suffix}"
        names["key_path"] = f"key_path_{suffix}"
        names["key_contents"] = f"key_contents_{suffix}"
    if current in ("wireguard", "vxlan"):
        names.update(
            {
                "public_key": f"public_key_{suffix}",
                "pub_key": f"pub_key_{suffix}",
                "pvt_key": f"pvt_key_{suffix}",
                "ip_address": f"ip_address_{suffix}",
                "vpn_subnet": f"vpn_subnet_{suffix}",
                "server_ip_address": f"server_ip_address_{suffix}",
                "server_ip_network": f"server_ip_network_{suffix}",
            }
        )
    if current == "vxlan":
        names["vni"] = f"vni_{suffix}"
    return names


def ca_path(vpn: Any, ca: Any) -> str:
    common_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in ca.common_name)
    return f"{app_settings.CERT_PATH}/ca-{ca.pk.hex}-{common_name}.pem"
