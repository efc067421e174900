"""VPN servers: what a server is made of, its rendered configuration, what a change does.

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
import re
import secrets
import subprocess
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils.text import slugify

from .. import signals
from ..apps import get_model, get_optional_model
from ..pki import certificates as pki
from ..rendering.render import RenderError, Source, backend_class, render_archive, render_text
from ..settings import app_settings
from ..vpn_backends import main_property
from ..workflow import unit
from . import addresses

logger = logging.getLogger(__name__)

# RFC 7919 ffdhe2048: a sound group, used until the server's own parameters are generated
PLACEHOLDER_DH = """-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""
# fields whose change alters what the clients' configs contain
CLIENT_FIELDS = {
    "host",
    "backend",
    "config",
    "ca_id",
    "public_key",
    "subnet",
    "ip_address",
    "division_label",
    "division_master_subnet",
    "division_size",
    "division_number_of_subnets",
    "division_number_of_ips",
}
SERVER_FIELDS = CLIENT_FIELDS | {"cert_id", "dh", "private_key", "name", "key"}
PLACEHOLDER_WG_KEY = "A" * 43 + "="


def variable(name):
    """``"{{ name }}"``: a reference to a configuration variable."""
    return "{{ " + name + " }}"


# --- kinds ------------------------------------------------------------
def kind(vpn_or_backend):
    """``"openvpn"``, ``"wireguard"``, ``"vxlan"`` (VXLAN over WireGuard), or the main
    property of another backend."""
    path = getattr(vpn_or_backend, "backend", vpn_or_backend)
    cls = backend_class(path)
    prop = main_property(cls)
    if prop == "wireguard" and "vxlan" in (cls.schema or {}).get("properties", {}):
        return "vxlan"
    return prop


def is_openvpn(vpn):
    return kind(vpn) == "openvpn"


def uses_keys(vpn):
    """WireGuard and VXLAN over WireGuard: keys, addresses, peers."""
    return kind(vpn) in ("wireguard", "vxlan")


def fixed_vni(vpn):
    """The VNI set in the server's ``vxlan`` (shared by every client), or None."""
    vxlan = (vpn.config or {}).get("vxlan") or [{}]
    vni = vxlan[0].get("vni") if isinstance(vxlan[0], dict) else None
    return vni if isinstance(vni, int) and vni > 0 else None


def has_division(vpn):
    return bool(vpn.division_label)


# --- a new server's defaults ------------------------------------------------------------
def default_config(vpn):
    """The NetJSON a new server starts with when none is given."""
    name = (slugify(vpn.name) or "vpn")[:15]
    current = kind(vpn)
    if current == "openvpn":
        return {
            "openvpn": [
                {
                    "name": name,
                    "mode": "server",
                    "proto": "udp",
                    "port": 1194,
                    "dev": "tun0",
                    "dev_type": "tun",
                    "ca": "ca.pem",
                    "cert": "cert.pem",
                    "key": "key.pem",
                    "dh": "dh.pem",
                    "tls_server": True,
                    "server": "10.8.0.0 255.255.255.0",
                    "keepalive": "10 120",
                    "persist_key": True,
                    "persist_tun": True,
                    "remote_cert_tls": "client",
                }
            ],
            "files": [
                {"path": path, "mode": "0600", "contents": variable(var)}
                for path, var in (
                    ("ca.pem", "ca"),
                    ("cert.pem", "cert"),
                    ("key.pem", "key"),
                    ("dh.pem", "dh"),
                )
            ],
        }
    if current in ("wireguard", "vxlan"):
        config = {"wireguard": [{"name": "wg0", "port": 51820}]}
        if current == "vxlan":
            config["vxlan"] = [{"name": "vxlan", "vni": ""}]
        return config
    return {}


# --- what the server renders ------------------------------------------------------------
def peers(vpn):
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


def server_netjson(vpn, peer_rows=None):
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
        entries = []
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


def server_context(vpn, *, sample=False):
    """The variables of the server's own configuration. With ``sample``, values not
    generated yet (an unsaved server) are placeholders."""
    context = dict(app_settings.CONTEXT or {})
    context["name"] = vpn.name
    ca = _related(vpn, "ca")
    cert = _related(vpn, "cert")
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


def _related(vpn, name):
    if not getattr(vpn, f"{name}_id", None):
        return None
    try:
        return getattr(vpn, name)
    except Exception:  # deleted meanwhile
        return None


def _sources(vpn, peer_rows=None):
    return [Source("VPN server configuration", server_netjson(vpn, peer_rows))]


def render(vpn, *, sample=False):
    """Archive and checksum of the server's configuration (raises RenderError)."""
    return render_archive(vpn.backend, _sources(vpn), server_context(vpn, sample=sample))


def preview(vpn):
    return render_text(vpn.backend, _sources(vpn), server_context(vpn, sample=True))


def refresh(vpn):
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


def current(vpn_model, pk):
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


def stored_archive(vpn_model, pk, checksum):
    row = vpn_model.objects.filter(pk=pk).values_list("archive", "checksum_db").first()
    if row is not None and row[0] is not None and row[1] == checksum:
        return bytes(row[0])
    vpn = vpn_model.objects.select_related("ca", "cert").get(pk=pk)
    refresh(vpn)
    return bytes(vpn.archive) if vpn.archive is not None else None


# --- the variables clients get ------------------------------------------------------------
def variable_names(vpn):
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


def ca_path(vpn, ca):
    common_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in ca.common_name)
    return f"{app_settings.CERT_PATH}/ca-{ca.pk.hex}-{common_name}.pem"


def server_variables(vpn):
    """What every client of ``vpn`` gets from the server (host, port, CA, server key...)."""
    names = variable_names(vpn)
    values = {names["vpn_host"]: vpn.host}
    current = kind(vpn)
    tunnel = ((vpn.config or {}).get(main_property(backend_class(vpn.backend))) or [{}])[0]
    if isinstance(tunnel, dict) and tunnel.get("port"):
        values[names["vpn_port"]] = tunnel["port"]
    ca = _related(vpn, "ca")
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


def auto_client(vpn, template_backend, auto_cert=True):
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


def _unsupported(vpn, template_backend):
    label = dict(app_settings.backend_choices()).get(template_backend, template_backend)
    return ValidationError(
        {
            "backend": f'A {label} configuration cannot be a client of the VPN server "{vpn}" '
            f"({vpn.get_backend_display()})."
        }
    )


def client_kind_of(netjson):
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


def _server_suffixes(netjson):
    return set(_SUFFIX.findall(json.dumps(netjson)))


def _same_json(a, b):
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def clean_template(template):
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


# --- validation and saving ------------------------------------------------------------
def validate(vpn):
    """Raise ``ValidationError`` (by field) if ``vpn`` as it is cannot be saved."""
    errors = {}
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


def _clients(vpn):
    return get_model("vpnclient").objects.filter(vpn=vpn)


def _division_errors(vpn):
    if not vpn.division_label:
        return {}
    errors = {}
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


def prepare(vpn):
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


def issue_server_cert(vpn):
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


@transaction.atomic
def save(vpn):
    """Save ``vpn`` (new or changed) with what the controller generates, render it,
    and have what depends on it follow. Raises ``ValidationError``; then nothing is
    saved (the server certificate it would have issued included)."""
    validate(vpn)
    prepare(vpn)
    vpn.save()  # the model receiver records after_save() into the unit of work
    unit.settle()
    return vpn


def after_save(vpn, created, changed, *, needs_dh=None):
    """A saved server: its render, the clients' configs, ``vpn_server_modified``, DH."""
    vpn.mark_saved()
    if needs_dh is None:
        needs_dh = is_openvpn(vpn) and vpn.dh in ("", PLACEHOLDER_DH)
    type(vpn).objects.filter(pk=vpn.pk).update(render_pending=F("render_pending") + 1)
    refresh(vpn)
    if needs_dh:
        from ..queue import background

        background.run("django_netjsonconfig.vpn.servers.generate_dh", vpn.pk)
    if created or not (changed & SERVER_FIELDS):
        return
    if changed & CLIENT_FIELDS:
        from ..fleet import fanout

        fanout.mark(client_configs(vpn), "related_template_changed")
    _on_commit_once(signals.vpn_server_modified, vpn)


def client_configs(vpn):
    """The configs that use ``vpn`` (through a VPN template or a client), as a queryset."""
    config_model = get_model("config")
    with_clients = get_model("vpnclient").objects.filter(vpn=vpn).values("config_id")
    with_templates = config_model.objects.filter(templates__vpn=vpn).values("pk")
    return config_model.objects.filter(Q(pk__in=with_clients) | Q(pk__in=with_templates))


def generate_dh(vpn_id):
    """Background work: real DH parameters for a server that has the placeholder."""
    vpn_model = get_model("vpn")
    if not vpn_model.objects.filter(pk=vpn_id, dh=PLACEHOLDER_DH).exists():
        return False
    bits = int(app_settings.DH_LENGTH)
    try:
        dh = subprocess.run(
            ["openssl", "dhparam", str(bits)],
            check=True,
            capture_output=True,
            timeout=1200,
        ).stdout.decode()
    except (OSError, subprocess.SubprocessError) as exc:
        logger.warning("DH parameters not generated (%s); the placeholder stays", exc)
        return False
    with transaction.atomic():
        updated = vpn_model.objects.filter(pk=vpn_id, dh=PLACEHOLDER_DH).update(
            dh=dh, render_pending=F("render_pending") + 1
        )
        if updated:
            vpn = vpn_model.objects.get(pk=vpn_id)
            refresh(vpn)
            _on_commit_once(signals.vpn_server_modified, vpn)
    return bool(updated)


# --- peers and certificates ------------------------------------------------------------
def peers_changed(vpn_id):
    """A client was added to or removed from the server: its stored render is out of date
    (rendered at its next request) and, for WireGuard and VXLAN, ``vpn_peers_changed``
    is sent after commit (once per transaction and server)."""
    vpn_model = get_model("vpn")
    vpn = vpn_model.objects.filter(pk=vpn_id).first()
    if vpn is None or not uses_keys(vpn):
        return False
    vpn_model.objects.filter(pk=vpn_id).update(render_pending=F("render_pending") + 1)
    vpn.refresh_from_db(fields=["render_pending"])  # the signal's instance is the row
    _on_commit_once(signals.vpn_peers_changed, vpn)
    return True


class _Send:
    """An on-commit callback sending ``signal`` for a server; equal ones are not queued
    twice in a transaction."""

    def __init__(self, signal, vpn):
        self.signal, self.vpn = signal, vpn

    def same(self, other):
        return (
            isinstance(other, _Send) and other.signal is self.signal and other.vpn.pk == self.vpn.pk
        )

    def __call__(self):
        self.signal.send(sender=type(self.vpn), instance=self.vpn)


def _on_commit_once(signal, vpn):
    callback = _Send(signal, vpn)
    if connection.in_atomic_block:
        # queued in this same atomic block (not an outer one, which a test may never commit)
        current = set(connection.savepoint_ids)
        for entry in getattr(connection, "run_on_commit", []):
            if callback.same(entry[1]) and set(entry[0]) == current:
                return
    transaction.on_commit(callback)


def certificate_changed(obj):
    """A CA or certificate got a new certificate text (renewed, replaced): re-render what
    shows it."""
    from ..fleet import fanout

    vpn_model = get_optional_model("vpn")
    if vpn_model is None:
        return
    config_model = get_model("config")
    if any(f.name == "ca" for f in obj._meta.concrete_fields):  # a certificate
        servers = vpn_model.objects.filter(cert=obj)
        client_model = get_model("vpnclient")
        users = client_model.objects.filter(cert=obj).values("config_id")
        fanout.mark(config_model.objects.filter(pk__in=users), "config_changed")
    else:  # a CA: its servers, and every client of them (ca_contents)
        servers = vpn_model.objects.filter(ca=obj)
        for vpn in servers:
            fanout.mark(client_configs(vpn), "related_template_changed")
    for vpn in servers.select_related("ca", "cert"):
        vpn_model.objects.filter(pk=vpn.pk).update(render_pending=F("render_pending") + 1)
        refresh(vpn)
        _on_commit_once(signals.vpn_server_modified, vpn)
