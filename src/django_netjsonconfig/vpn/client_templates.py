"""VPN client templates: the client side of a server, generated as a template.

A VPN client template's NetJSON is generated from its server (netjsonconfig's
``auto_client`` helpers) with variables named after the server
(``vpn_host_<server id>``...), which each client's config fills in. A template made
for another kind of server, or for another server, is refused or regenerated.
"""

import json
import re
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

from ..apps import get_model
from ..rendering.render import backend_class
from ..settings import app_settings
from .kinds import kind
from .names import variable, variable_names


def vpn_templates(templates: Iterable[Any]) -> dict[Any, Any]:
    """The first VPN client template of each server among ``templates``: ``{vpn_id: t}``."""
    out: dict[Any, Any] = {}
    for template in templates:
        if template.type == "vpn" and template.vpn_id and template.vpn_id not in out:
            out[template.vpn_id] = template
    return out


def auto_client(vpn: Any, template_backend: str, auto_cert: bool = True) -> dict[str, Any]:
    """The client side of ``vpn`` as a template of ``template_backend``, with variables
    (netjsonconfig's ``auto_client`` helpers). Without ``auto_cert`` the certificate
    and key of an OpenVPN client are left out (the operator provides them)."""
    names = variable_names(vpn)
    var = {role: variable(name) for role, name in names.items()}
    server_cls = backend_class(vpn.backend)
    template_cls = backend_class(template_backend)
    properties = (getattr(template_cls, "schema", None) or {}).get("properties", {})
    current = kind(vpn)
    config = vpn.config or {}
    if current == "openvpn":
        if "openvpn" not in properties:
            raise _unsupported(vpn, template_backend)
        kwargs = {"ca_path": var["ca_path"], "ca_contents": var["ca_contents"]}
        if auto_cert:
            kwargs.update(
                cert_path=var["cert_path"],
                cert_contents=var["cert_contents"],
                key_path=var["key_path"],
                key_contents=var["key_contents"],
            )
        server = (config.get("openvpn") or [{}])[0]
        return server_cls.auto_client(var["vpn_host"], server, **kwargs)
    if current in ("wireguard", "vxlan"):
        helper_name = "vxlan_wireguard_auto_client" if current == "vxlan" else None
        helper = getattr(template_cls, helper_name or "wireguard_auto_client", None)
        if helper is None:
            raise _unsupported(vpn, template_backend)
        return helper(
            host=var["vpn_host"],
            public_key=var["public_key"],
            server=(config.get("wireguard") or [{}])[0],
            private_key=var["pvt_key"],
            ip_address=var["ip_address"],
            server_ip_network=var["server_ip_network"],
            server_ip_address=var["server_ip_address"],
            vni=var.get("vni", 0),
            vxlan=(config.get("vxlan") or [{}])[0],
        )
    raise _unsupported(vpn, template_backend)


def _unsupported(vpn: Any, template_backend: str) -> ValidationError:
    label = dict(app_settings.backend_choices()).get(template_backend, template_backend)
    return ValidationError(
        {
            "backend": f'A {label} configuration cannot be a client of the VPN server "{vpn}" '
            f"({vpn.get_backend_display()})."
        }
    )


def client_kind_of(netjson: Any) -> str | None:
    """Which VPN client a template's NetJSON is: openvpn, wireguard, vxlan, or None."""
    if not isinstance(netjson, dict):
        return None
    types = {i.get("type") for i in netjson.get("interfaces") or [] if isinstance(i, dict)}
    if "vxlan" in types and "wireguard" in types:
        return "vxlan"
    if "wireguard" in types or netjson.get("wireguard_peers"):
        return "wireguard"
    if netjson.get("openvpn"):
        return "openvpn"
    return None


_SUFFIX = re.compile(r"\{\{\s*[a-z_]+_([0-9a-f]{32})\s*\}\}")


def _server_suffixes(netjson: Any) -> set[str]:
    return set(_SUFFIX.findall(json.dumps(netjson)))


def _same_json(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def clean_template(template: Any) -> None:
    """A VPN client template: generate its configuration when empty; refuse one made
    for another kind of server (its VPN server changed backend, or was swapped)."""
    vpn = template.vpn
    if not template.config:
        template.config = auto_client(vpn, template.backend, template.auto_cert)
        return
    made_for = client_kind_of(template.config)
    expected = kind(vpn)
    if made_for is not None and made_for != expected:
        labels = {"openvpn": "OpenVPN", "wireguard": "WireGuard", "vxlan": "VXLAN over WireGuard"}
        raise ValidationError(
            {
                "config": f"This configuration is a {labels.get(made_for, made_for)} client, "
                f'but the VPN server "{vpn}" is {vpn.get_backend_display()}: empty the '
                "configuration to have it generated again."
            }
        )
    foreign = _server_suffixes(template.config) - {vpn.pk.hex}
    if foreign:
        # made for another server (the template's server was changed): regenerated if it
        # is that server's generated client, refused if it was edited
        old = get_model("vpn").objects.filter(pk__in=[uuid.UUID(f) for f in foreign]).first()
        if old is not None and len(foreign) == 1 and kind(old) == kind(vpn):
            generated = auto_client(old, template.backend, template.auto_cert)
            if _same_json(generated, template.config):
                template.config = auto_client(vpn, template.backend, template.auto_cert)
                return
        raise ValidationError(
            {
                "config": "This configuration uses the variables of another VPN server: empty "
                "it to have it generated again for this one."
            }
        )
