"""The certificates the VPN room issues: a server's, and each OpenVPN client's.

Both are signed by the server's CA and copy its subject fields; a client's common
name follows ``NETJSONCONFIG_COMMON_NAME_FORMAT``.
"""

import secrets
from typing import Any

from django.utils.text import slugify

from ..apps import get_model
from ..pki import certificates as pki
from ..settings import app_settings


def issue_server_cert(vpn: Any) -> Any:
    ca = vpn.ca
    cert_model = get_model("cert")
    cert = cert_model(
        name=vpn.name,
        ca=ca,
        key_length=ca.key_length,
        digest=ca.digest,
        country_code=ca.country_code,
        state=ca.state,
        city=ca.city,
        organization_name=ca.organization_name,
        organizational_unit_name=ca.organizational_unit_name,
        email=ca.email,
        common_name=(slugify(vpn.name) or "vpn-server")[:64],
        extensions=[{"name": "nsCertType", "value": "server", "critical": False}],
        **pki.extra_fields(cert_model, vpn, ca),
    )
    pki.generate_cert(cert)
    cert.save()
    cert.mark_saved()
    return cert


def build_client_cert(client: Any) -> Any:
    """An unsaved client certificate for ``client``, signed by its server's CA."""
    vpn, device = client.vpn, client.config.device
    ca = vpn.ca
    cert_model = get_model("cert")
    cert = cert_model(
        name=device.name[:64],
        ca=ca,
        key_length=ca.key_length,
        digest=ca.digest,
        country_code=ca.country_code,
        state=ca.state,
        city=ca.city,
        organization_name=ca.organization_name,
        organizational_unit_name=ca.organizational_unit_name,
        email=ca.email,
        common_name=common_name(device),
        extensions=[{"name": "nsCertType", "value": "client", "critical": False}],
        **pki.extra_fields(cert_model, client.config, device, ca),
    )
    pki.generate_cert(cert)
    return cert


def common_name(device: Any) -> str:
    """``NETJSONCONFIG_COMMON_NAME_FORMAT`` filled from the device (at most 55 characters),
    then a dash and 8 random characters, so that a device can have several."""
    fmt = app_settings.COMMON_NAME_FORMAT
    values = {
        "mac_address": device.mac_address,
        "name": device.name,
        "id": device.pk.hex if device.pk else "",
        "hardware_id": getattr(device, "hardware_id", ""),
    }
    if fmt == "{mac_address}-{name}" and device.name == device.mac_address:
        fmt = "{mac_address}"
    try:
        base = fmt.format(**values)
    except (KeyError, IndexError, ValueError):
        base = device.mac_address
    return f"{base[:55]}-{secrets.token_hex(4)}"
