"""VPN server backends: netjsonconfig's, restricted to what a VPN server object is.

The seed's rules for a VPN backend:

- exactly one VPN instance (``minItems``/``maxItems`` 1 on the main property);
- the main NetJSON property is the lowercase class name (``OpenVpn`` -> ``openvpn``,
  ``WireGuard`` -> ``wireguard``). ``VxlanWireguard`` is the one exception: its
  tunnel is a WireGuard one, so its main property is ``wireguard`` (its
  ``main_property`` says so) and its ``vxlan`` list is optional;
- server capabilities only: the OpenVPN schema accepts the server modes only;
  the WireGuard private key and peers are filled in by the controller.
"""

from copy import deepcopy

from netjsonconfig import OpenVpn as BaseOpenVpn
from netjsonconfig import VxlanWireguard as BaseVxlanWireguard
from netjsonconfig import Wireguard as BaseWireguard


def main_property(backend_class):
    """The NetJSON property holding the one VPN instance of ``backend_class``."""
    return getattr(backend_class, "main_property", None) or backend_class.__name__.lower()


def _one_instance(schema, prop):
    schema["properties"][prop].update({"additionalItems": False, "minItems": 1, "maxItems": 1})
    required = list(schema.get("required", []))
    if prop not in required:
        required.append(prop)
    schema["required"] = required
    return schema


# --- OpenVPN -----------------------------------------------------------------------------------
openvpn_schema = _one_instance(deepcopy(BaseOpenVpn.schema), "openvpn")
openvpn_schema["properties"]["openvpn"]["items"]["oneOf"] = [
    {"$ref": "#/definitions/server_bridged"},
    {"$ref": "#/definitions/server_routed"},
    {"$ref": "#/definitions/server_manual"},
]
_tunnel = openvpn_schema["definitions"]["tunnel"]["properties"]
_tunnel["ca"]["default"] = "ca.pem"
_tunnel["cert"]["default"] = "cert.pem"
_tunnel["key"]["default"] = "key.pem"
openvpn_schema["definitions"]["server"]["properties"]["dh"]["default"] = "dh.pem"


class OpenVpn(BaseOpenVpn):
    """OpenVPN server: one server-mode tunnel. The variables ``ca``, ``cert``, ``key``
    and ``dh`` hold the PEM texts of the server's CA, certificate, key and DH
    parameters."""

    schema = openvpn_schema


# --- WireGuard ---------------------------------------------------------------------------------
wireguard_schema = _one_instance(deepcopy(BaseWireguard.schema), "wireguard")
_wg_item = wireguard_schema["properties"]["wireguard"]["items"]
# the private key (and the peers) are managed by the controller
del _wg_item["properties"]["private_key"]
_wg_item["required"] = [r for r in _wg_item["required"] if r != "private_key"]


class WireGuard(BaseWireguard):
    """WireGuard server: one interface; its private key, address and peers are set
    by the controller."""

    schema = wireguard_schema


# --- VXLAN over WireGuard -----------------------------------------------------------------------
vxlan_schema = _one_instance(deepcopy(BaseVxlanWireguard.schema), "wireguard")
_vx_item = vxlan_schema["properties"]["wireguard"]["items"]
del _vx_item["properties"]["private_key"]
_vx_item["required"] = [r for r in _vx_item["required"] if r != "private_key"]
vxlan_schema["properties"]["vxlan"]["maxItems"] = 1


class VxlanWireguard(BaseVxlanWireguard):
    """VXLAN over WireGuard server: the WireGuard interface, plus a ``vxlan.json`` file
    listing the peers' VNI and address. A VNI in ``vxlan[0].vni`` is shared by
    every client; without it each client gets its own."""

    schema = vxlan_schema
    main_property = "wireguard"
