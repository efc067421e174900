"""What kind of VPN a server (or a backend) is: OpenVPN, WireGuard, VXLAN over WireGuard."""

from typing import Any

from ..rendering.render import backend_class
from ..vpn_backends import main_property


def kind(vpn_or_backend: Any) -> str:
    """``"openvpn"``, ``"wireguard"``, ``"vxlan"`` (VXLAN over WireGuard), or the main
    property of another backend."""
    path = getattr(vpn_or_backend, "backend", vpn_or_backend)
    cls = backend_class(path)
    prop: str = main_property(cls)
    if prop == "wireguard" and "vxlan" in (cls.schema or {}).get("properties", {}):
        return "vxlan"
    return prop


def is_openvpn(vpn: Any) -> bool:
    return kind(vpn) == "openvpn"


def uses_keys(vpn: Any) -> bool:
    """WireGuard and VXLAN over WireGuard: keys, addresses, peers."""
    return kind(vpn) in ("wireguard", "vxlan")


def fixed_vni(vpn: Any) -> int | None:
    """The VNI set in the server's ``vxlan`` (shared by every client), or None."""
    vxlan = (vpn.config or {}).get("vxlan") or [{}]
    vni = vxlan[0].get("vni") if isinstance(vxlan[0], dict) else None
    return vni if isinstance(vni, int) and vni > 0 else None


def has_division(vpn: Any) -> bool:
    return bool(vpn.division_label)
