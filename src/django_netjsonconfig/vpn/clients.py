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
import secrets
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import signals
from ..apps import get_model, get_optional_model
from ..base.vpn import VNI_MAX
from ..pki import certificates as pki
from ..rendering.render import RenderError
from ..settings import app_settings
from . import addresses
from . import servers as vpns

logger = logging.getLogger(__name__)

ATTEMPTS = 8
PLACEHOLDER_CERT = "(the device's certificate, issued when the configuration is saved)"
PLACEHOLDER_KEY = "(the device's private key, generated when the configuration is saved)"


SECRET_PREFIXES = ("key_contents_", "pvt_key_")


def is_secret(name):
    """True for the variables holding a device's private key (``key_contents_<id>``,
    ``pvt_key_<id>``): a page that lists variables should mask them for users who may
    not change the device."""
    return name.startswith(SECRET_PREFIXES)


def vpn_templates(templates):
    """The first VPN client template of each server among ``templates``: ``{vpn_id: t}``."""
    out = {}
    for template in templates:
        if template.type == "vpn" and template.vpn_id and template.vpn_id not in out:
            out[template.vpn_id] = template
    return out


# --- the hook: make a config's clients match its templates --------------------------------------
def sync(config, templates=None):
    """Create, update, repair and delete the VPN clients of ``config`` (a saved config)
    so that they match its VPN templates (``templates``: its ordered templates, read when
    None). Raises ``RenderError`` when a client cannot be provisioned (a full range);
    nothing of that client is then saved."""
    try:
        return _sync(config, templates)
    except ValidationError as exc:
        raise RenderError(" ".join(exc.messages)) from None


def sync_needed(configs, templates_of):
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


sync.needed = sync_needed


def _sync(config, templates):
    client_model = get_optional_model("vpnclient")
    if client_model is None or config.pk is None:
        return False
    if templates is None:
        from ..devices import configs

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


def check(config, templates):
    """Refuse (``ValidationError`` on ``templates``) templates that cannot be given to
    ``config``: two templates of one server, a server whose range or subnet division has
    no room for a new client."""
    client_model = get_optional_model("vpnclient")
    if client_model is None:
        return
    seen = {}
    for template in templates:
        if template.type != "vpn" or not template.vpn_id:
            continue
        if template.vpn_id in seen:
            raise ValidationError(
                {
                    "templates": f'"{seen[template.vpn_id]}" and "{template}" are both clients '
                    f'of the VPN server "{template.vpn}": choose one.'
                }
            )
        seen[template.vpn_id] = template
    if not seen:
        return
    has = set()
    if config.pk is not None and not config._state.adding:
        has = set(client_model.objects.filter(config_id=config.pk).values_list("vpn_id", flat=True))
    for vpn_id, template in seen.items():
        if vpn_id in has or not template.auto_cert:
            continue
        vpn = template.vpn
        try:
            _next_address(vpn, None)
            _next_division(vpn, None)
        except RenderError as exc:
            raise ValidationError({"templates": exc.message}) from None


# --- provisioning ---------------------------------------------------------------------------------
def _needs(client):
    vpn = client.vpn
    kind = vpns.kind(vpn)
    if not client.auto_cert:
        return {}
    needs = {}
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
    if kind == "vxlan" and not vpns.fixed_vni(vpn) and not client.vni:
        needs["vni"] = True
    if vpns.has_division(vpn) and client.division_index is None:
        needs["division"] = True
    elif not vpns.has_division(vpn) and client.division_index is not None:
        needs["no_division"] = True
    return needs


def provision(client):
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
                    client.ip_address = str(_next_address(vpn, client))
                if needs.get("vni"):
                    client.vni = _next_vni(vpn, client)
                if needs.get("division"):
                    client.division_index = _next_division(vpn, client)
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
        vpns.peers_changed(vpn.pk)
    if needs.get("division"):
        _send_provisioned(client)
    return True


def deprovision(client):
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
        vpns.peers_changed(client.vpn_id)
    return changed


def build_client_cert(client):
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


def common_name(device):
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


def _taken(vpn, client, field):
    qs = get_model("vpnclient").objects.filter(vpn=vpn).exclude(**{f"{field}__isnull": True})
    if client is not None and client.pk is not None and not client._state.adding:
        qs = qs.exclude(pk=client.pk)
    return qs.values_list(field, flat=True)


def _next_address(vpn, client):
    if not vpn.subnet:
        return None
    net = addresses.network(vpn.subnet)
    taken = list(_taken(vpn, client, "ip_address")) + [vpn.ip_address]
    found = addresses.next_free(net, taken)
    if found is None:
        raise RenderError(f'VPN server "{vpn}": its address range {net} is full.')
    return found


def _lowest_free(taken, start):
    taken = set(taken)
    value = start
    while value in taken:
        value += 1
    return value


def _next_vni(vpn, client):
    vni = _lowest_free(_taken(vpn, client, "vni"), 1)
    if vni > VNI_MAX:
        raise RenderError(f'VPN server "{vpn}": every VNI is taken.')
    return vni


def _next_division(vpn, client):
    if not vpns.has_division(vpn):
        return None
    master = addresses.network(vpn.division_master_subnet)
    room = addresses.division_capacity(master, vpn.division_size, vpn.division_number_of_subnets)
    index = _lowest_free(_taken(vpn, client, "division_index"), 0)
    if index >= room:
        raise RenderError(
            f'VPN server "{vpn}": the master subnet {master} of its subnet division has no '
            "room for another client."
        )
    return index


def set_address(client, address):
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
    taken_by = _taken(vpn, client, "ip_address").filter(ip_address=address)
    if taken_by.exists():
        raise ValidationError({"ip_address": f"The address {address} is already taken."})
    client.ip_address = address
    try:
        with transaction.atomic():
            client.save(update_fields=["ip_address", "modified"])
    except IntegrityError:
        raise ValidationError({"ip_address": f"The address {address} is already taken."}) from None
    vpns.peers_changed(vpn.pk)
    from ..devices import configs

    configs.refresh(type(client.config).objects.get(pk=client.config_id), "config_changed")


# --- deletion (receiver) -------------------------------------------------------------------------
def after_delete(client):
    """A client is gone (its template removed, its config or server deleted): revoke its
    automatic certificate, and update the server's peers."""
    if client.cert_id and client.auto_cert:
        cert_model = get_model("cert")
        cert_model.objects.filter(pk=client.cert_id, revoked=False).update(
            revoked=True, revoked_at=timezone.now()
        )
    if client.ip_address or client.public_key:
        vpns.peers_changed(client.vpn_id)


def _send_provisioned(client):
    transaction.on_commit(
        partial(
            signals.subnet_provisioned.send,
            sender=type(client),
            instance=client,
            provisioned=division_of(client.vpn, client.division_index),
        )
    )


# --- variables ---------------------------------------------------------------------------------
def division_of(vpn, index):
    """``{"subnets": [...], "ip_addresses": [...]}`` of the block ``index``, or None."""
    if index is None or not vpns.has_division(vpn):
        return None
    master = addresses.network(vpn.division_master_subnet)
    subnets = addresses.division_block(
        master, vpn.division_size, vpn.division_number_of_subnets, index
    )
    ips = [ip for s in subnets for ip in addresses.division_hosts(s, vpn.division_number_of_ips)]
    return {"subnets": subnets, "ip_addresses": ips}


def division_variables(vpn, index):
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


def client_variables(vpn, client, auto_cert=True):
    """What a client of ``vpn`` gets of its own. ``client`` None (not created yet: a
    preview, a validation) gives placeholders."""
    if client is not None and not client.auto_cert:
        return {}
    if client is None and not auto_cert:
        return {}
    names = vpns.variable_names(vpn)
    suffix = vpn.pk.hex
    kind = vpns.kind(vpn)
    values = {}
    if kind == "openvpn":
        cert = client.cert if client is not None and client.cert_id else None
        values[names["cert_path"]] = f"{app_settings.CERT_PATH}/client-{suffix}.pem"
        values[names["key_path"]] = f"{app_settings.CERT_PATH}/key-{suffix}.pem"
        values[names["cert_contents"]] = cert.certificate if cert else PLACEHOLDER_CERT
        values[names["key_contents"]] = cert.private_key if cert else PLACEHOLDER_KEY
    if kind in ("wireguard", "vxlan"):
        has_keys = client is not None and client.private_key
        values[names["pvt_key"]] = client.private_key if has_keys else vpns.PLACEHOLDER_WG_KEY
        values[names["pub_key"]] = client.public_key if has_keys else vpns.PLACEHOLDER_WG_KEY
    if vpn.subnet:
        ip = client.ip_address if client is not None else None
        if ip is None:
            try:
                ip = _next_address(vpn, None)
            except RenderError:
                ip = addresses.first_host(addresses.network(vpn.subnet))
        if "ip_address" in names:
            values[names["ip_address"]] = str(ip)
    if kind == "vxlan":
        vni = vpns.fixed_vni(vpn) or (client.vni if client is not None else None)
        values[names["vni"]] = vni or _lowest_free(_taken(vpn, None, "vni"), 1)
    if vpns.has_division(vpn):
        index = client.division_index if client is not None else None
        if index is None:
            try:
                index = _next_division(vpn, None)
            except RenderError:
                index = 0
        values.update(division_variables(vpn, index))
    return values


def context_layers(device, templates, config=None):
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
    clients = {}
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
        values = vpns.server_variables(vpn)
        values.update(client_variables(vpn, client, template.auto_cert))
        out.append((f"vpn:{vpn.name}", values))
    return out
