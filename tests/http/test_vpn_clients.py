"""VPN client templates: assigning one provisions the device, removing it revokes."""

import ipaddress
import json

import pytest
from cryptography import x509
from django.core.exceptions import ValidationError
from django.urls import reverse
from netjsonconfig import OpenVpn, OpenWrt

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.pki import certificates as pki
from django_netjsonconfig.vpn import clients as vpnclients
from django_netjsonconfig.vpn import servers as vpns
from django_netjsonconfig.vpn.servers import variable

from ..factories import (
    DeviceFactory,
    DeviceGroupFactory,
    TemplateFactory,
    extra_fields,
    make_config,
)
from ..helpers import archive_files
from ..signal_helpers import catch_signal
from ..vpn_helpers import (
    OPENVPN,
    VXLAN,
    WIREGUARD,
    client_of,
    load_cert,
    make_ca,
    make_vpn,
    make_vpn_template,
)

pytestmark = pytest.mark.django_db


def rendered_by_netjsonconfig(config):
    """What netjsonconfig itself renders for ``config``: the same inputs, its own class."""
    context = configs.context_service.merge(configs.variable_layers(config))
    templates = [t.config for t in configs.ordered_templates(config)]
    return OpenWrt(
        config=configs.device_netjson(config), templates=templates, context=context
    ).generate()


# --- the generated template ------------------------------------------------------------
def test_an_empty_openvpn_client_template_is_generated_from_the_server():
    vpn = make_vpn(OPENVPN)
    template = make_vpn_template(vpn)
    suffix = vpn.pk.hex

    expected = OpenVpn.auto_client(
        variable(f"vpn_host_{suffix}"),
        vpn.config["openvpn"][0],
        ca_path=variable(f"ca_path_{suffix}"),
        ca_contents=variable(f"ca_contents_{suffix}"),
        cert_path=variable(f"cert_path_{suffix}"),
        cert_contents=variable(f"cert_contents_{suffix}"),
        key_path=variable(f"key_path_{suffix}"),
        key_contents=variable(f"key_contents_{suffix}"),
    )
    assert template.config == expected


def test_without_auto_cert_the_template_leaves_the_certificate_to_the_operator():
    vpn = make_vpn(OPENVPN)
    template = make_vpn_template(vpn, auto_cert=False)
    text = json.dumps(template.config)
    assert "cert_contents" not in text and "ca_contents" in text


def test_auto_cert_defaults_to_the_setting(settings):
    settings.NETJSONCONFIG_DEFAULT_AUTO_CERT = False
    template = make_vpn_template(make_vpn(WIREGUARD))
    assert template.auto_cert is False


# --- OpenVPN ------------------------------------------------------------
def test_assigning_an_openvpn_template_issues_a_client_certificate(settings):
    settings.NETJSONCONFIG_CERT_PATH = "/etc/certs"
    vpn = make_vpn(OPENVPN)
    device = DeviceFactory(name="router", mac_address="00:11:22:33:44:55")
    config = make_config(device, templates=[make_vpn_template(vpn)])

    client = client_of(config, vpn)
    certificate = load_cert(client.cert.certificate)
    assert pki.issued_by(certificate, load_cert(vpn.ca.certificate))
    common_name = certificate.subject.get_attributes_for_oid(x509.oid.NameOID.COMMON_NAME)[0]
    assert common_name.value.startswith("00:11:22:33:44:55-router-")
    files = archive_files(bytes(config.archive))
    suffix = vpn.pk.hex
    assert files[f"etc/certs/client-{suffix}.pem"].strip() == client.cert.certificate.strip()
    assert files[f"etc/certs/key-{suffix}.pem"].strip() == client.cert.private_key.strip()
    assert "vpn.example.com 1194" in files["etc/config/openvpn"]
    assert bytes(config.archive) == rendered_by_netjsonconfig(config).getvalue()


def test_the_common_name_follows_the_setting(settings):
    settings.NETJSONCONFIG_COMMON_NAME_FORMAT = "{name}"
    vpn = make_vpn(OPENVPN)
    config = make_config(DeviceFactory(name="edge-7"), templates=[make_vpn_template(vpn)])
    assert client_of(config).cert.common_name.startswith("edge-7-")


def test_removing_the_template_deletes_the_client_and_revokes_its_certificate(client):
    vpn = make_vpn(OPENVPN)
    template = make_vpn_template(vpn)
    config = make_config(templates=[template])
    cert = client_of(config).cert

    configs.save(config, templates=[])

    assert not get_model("vpnclient").objects.filter(config=config).exists()
    cert.refresh_from_db()
    assert cert.revoked
    crl = x509.load_pem_x509_crl(client.get(reverse("netjsonconfig:crl", args=[vpn.ca_id])).content)
    assert crl.get_revoked_certificate_by_serial_number(int(cert.serial_number)) is not None
    assert "openvpn" not in "".join(archive_files(bytes(config.archive)))


def test_deleting_the_device_revokes_its_certificate():
    vpn = make_vpn(OPENVPN)
    config = make_config(templates=[make_vpn_template(vpn)])
    cert = client_of(config).cert
    config.device.delete()
    cert.refresh_from_db()
    assert cert.revoked


def test_the_m2m_relation_path_provisions_too():
    vpn = make_vpn(OPENVPN)
    config = make_config()
    config.templates.add(make_vpn_template(vpn))
    assert client_of(config).cert is not None
    config.templates.clear()
    config.templates.remove(*config.templates.all())
    configs.refresh(config)
    assert not get_model("vpnclient").objects.filter(config=config).exists()


# --- WireGuard and VXLAN ------------------------------------------------------------
def test_wireguard_clients_get_key_pairs_and_distinct_addresses_listed_as_peers():
    vpn = make_vpn(WIREGUARD, subnet="10.5.0.0/24")
    template = make_vpn_template(vpn)
    first = make_config(templates=[template])
    second = make_config(templates=[template])

    clients = [client_of(first), client_of(second)]
    assert [c.ip_address for c in clients] == ["10.5.0.2", "10.5.0.3"]
    server = archive_text(vpn)
    for client in clients:
        assert pki.is_wireguard_pair(client.private_key, client.public_key)
        assert f"PublicKey = {client.public_key}" in server
        assert f"AllowedIPs = {client.ip_address}/32" in server
    files = archive_files(bytes(first.archive))
    network = files["etc/config/network"]
    assert clients[0].private_key in network and "10.5.0.2" in network
    assert vpn.public_key in network
    assert bytes(first.archive) == rendered_by_netjsonconfig(first).getvalue()


def archive_text(vpn):
    get_model("vpn").objects.filter(pk=vpn.pk)  # the agent's request renders what is pending
    key, checksum = vpns.current(get_model("vpn"), vpn.pk)
    archive = vpns.stored_archive(get_model("vpn"), vpn.pk, checksum)
    return "".join(archive_files(archive).values())


def test_adding_a_peer_changes_the_server_checksum_not_the_other_peers(
    django_capture_on_commit_callbacks,
):
    vpn = make_vpn(WIREGUARD)
    template = make_vpn_template(vpn)
    first = make_config(templates=[template])
    checksum_before = vpns.current(get_model("vpn"), vpn.pk)[1]
    first_checksum = first.checksum_db

    with catch_signal(signals.vpn_peers_changed, django_capture_on_commit_callbacks) as sent:
        second = make_config(templates=[template])

    assert sent.one().instance.pk == vpn.pk
    assert vpns.current(get_model("vpn"), vpn.pk)[1] != checksum_before
    first.refresh_from_db()
    assert first.checksum_db == first_checksum and first.render_pending == 0

    with catch_signal(signals.vpn_peers_changed, django_capture_on_commit_callbacks) as sent:
        configs.save(second, templates=[])
    assert len(sent) == 1
    assert client_of(first).public_key in archive_text(vpn)
    assert "10.0.0.3" not in archive_text(vpn)


def test_vxlan_clients_get_distinct_vnis_listed_in_vxlan_json():
    vpn = make_vpn(VXLAN)
    template = make_vpn_template(vpn)
    configs_ = [make_config(templates=[template]) for _ in range(2)]
    clients = [client_of(c) for c in configs_]

    assert [c.vni for c in clients] == [1, 2]
    key, checksum = vpns.current(get_model("vpn"), vpn.pk)
    files = archive_files(vpns.stored_archive(get_model("vpn"), vpn.pk, checksum))
    peers = json.loads(files["vxlan.json"])
    assert peers == [{"interface": "vxlan", "remote": c.ip_address, "vni": c.vni} for c in clients]
    network = archive_files(bytes(configs_[1].archive))["etc/config/network"]
    assert "option vid '2'" in network and "option peeraddr '10.0.0.1'" in network


def test_a_vni_set_on_the_server_is_shared_by_every_client():
    vpn = make_vpn(
        VXLAN, config={"wireguard": [{"name": "wg0", "port": 51820}], "vxlan": [{"vni": 42}]}
    )
    config = make_config(templates=[make_vpn_template(vpn)])
    assert client_of(config).vni is None
    assert "option vid '42'" in archive_files(bytes(config.archive))["etc/config/network"]


# --- variables ------------------------------------------------------------
def test_vpn_variables_sit_between_group_and_predefined_and_device_variables_win():
    vpn = make_vpn(WIREGUARD)
    template = make_vpn_template(vpn)
    suffix = vpn.pk.hex
    group = DeviceGroupFactory(context={f"vpn_host_{suffix}": "from-group"})
    config = make_config(
        DeviceFactory(group=group),
        templates=[template],
        context={f"ip_address_{suffix}": "10.0.0.200"},
    )

    variables = {
        v.name: v for v in configs.context_service.explain(configs.variable_layers(config))
    }
    host = variables[f"vpn_host_{suffix}"]
    assert host.value == "vpn.example.com" and host.source == f"vpn:{vpn.name}"
    assert host.overridden == (f"group:{group.name}",)
    assert variables[f"ip_address_{suffix}"].source == "device"
    assert variables[f"pvt_key_{suffix}"].value == client_of(config).private_key


def test_a_template_can_use_the_vpn_variables():
    vpn = make_vpn(WIREGUARD)
    suffix = vpn.pk.hex
    motd = TemplateFactory(
        config={
            "files": [
                {
                    "path": "/etc/motd",
                    "mode": "0644",
                    "contents": "tunnel ip " + variable(f"ip_address_{suffix}"),
                }
            ]
        }
    )
    config = make_config(templates=[make_vpn_template(vpn), motd])
    ip = client_of(config).ip_address
    assert archive_files(bytes(config.archive))["etc/motd"] == f"tunnel ip {ip}"


# --- bad input ------------------------------------------------------------
def test_a_full_address_range_is_a_clear_error_and_nothing_is_half_created():
    vpn = make_vpn(WIREGUARD, subnet="10.7.0.0/30")  # two hosts: the server and one client
    template = make_vpn_template(vpn)
    make_config(templates=[template])
    config = make_config()

    with pytest.raises(ValidationError) as caught:
        configs.validate(config, [template], device=config.device)
    assert "address range 10.7.0.0/30 is full" in caught.value.message_dict["templates"][0]

    configs.save(config, templates=[template])  # a service call anyway: the config says why
    config.refresh_from_db()
    assert config.status == "error"
    assert "address range 10.7.0.0/30 is full" in config.error_reason
    assert not get_model("vpnclient").objects.filter(config=config).exists()


def test_an_address_already_taken_is_refused():
    vpn = make_vpn(WIREGUARD)
    template = make_vpn_template(vpn)
    first, second = make_config(templates=[template]), make_config(templates=[template])
    taken = client_of(first).ip_address
    client = client_of(second)

    with pytest.raises(ValidationError, match=f"The address {taken} is already taken"):
        vpnclients.set_address(client, taken)
    with pytest.raises(ValidationError, match="server's own address"):
        vpnclients.set_address(client, vpn.ip_address)
    with pytest.raises(ValidationError, match="not a host address"):
        vpnclients.set_address(client, "192.168.0.1")
    client.refresh_from_db()
    assert client.ip_address != taken

    vpnclients.set_address(client, "10.0.0.100")
    assert "AllowedIPs = 10.0.0.100/32" in archive_text(vpn)


def test_a_vpn_template_made_for_another_backend_is_refused():
    openvpn = make_vpn(OPENVPN)
    template = make_vpn_template(openvpn)
    template.vpn = make_vpn(WIREGUARD)

    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert "is a OpenVPN client" in caught.value.message_dict["config"][0]
    assert "empty the configuration" in caught.value.message_dict["config"][0]


def test_a_vpn_template_needs_a_server_and_a_generic_one_has_none():
    template_model = get_model("template")

    template = template_model(**extra_fields(template_model, name="t", type="vpn"))
    with pytest.raises(ValidationError) as caught:
        template.full_clean()
    assert "needs a VPN server" in caught.value.message_dict["vpn"][0]
    template.type, template.vpn = "generic", make_vpn(WIREGUARD)
    with pytest.raises(ValidationError, match="Only a VPN client template"):
        template.full_clean()


def test_two_templates_of_the_same_server_are_refused():
    vpn = make_vpn(WIREGUARD)
    first, second = make_vpn_template(vpn, "a"), make_vpn_template(vpn, "b")
    config = make_config()
    with pytest.raises(ValidationError, match="are both clients"):
        configs.validate(config, [first, second], device=config.device)


# --- many configs at once ------------------------------------------------------------
def test_a_vpn_template_given_to_a_group_provisions_in_the_background_batches(settings):
    settings.NETJSONCONFIG_FANOUT = "celery"
    settings.CELERY_BROKER_URL = "memory://"
    vpn = make_vpn(OPENVPN)
    template = make_vpn_template(vpn)
    group = DeviceGroupFactory()
    members = [make_config(DeviceFactory(group=group)) for _ in range(3)]
    from django_netjsonconfig.devices import groups
    from django_netjsonconfig.fleet import fanout

    groups.templates_changed(group, [], [template])
    # the request only recorded the change: no certificate was issued yet
    assert not get_model("vpnclient").objects.exists()
    fanout.render_pending()

    issued = get_model("vpnclient").objects.filter(config__in=members)
    assert issued.count() == 3 and all(c.cert_id for c in issued)


def test_preview_of_an_unsaved_vpn_template_uses_placeholders_and_creates_nothing():
    vpn = make_vpn(WIREGUARD)
    template = make_vpn_template(vpn)
    from django_netjsonconfig.devices import templates as templates_service

    text = templates_service.preview(template)
    assert "wireguard" in text and "10.0.0.2" in text
    assert not get_model("vpnclient").objects.exists()


def test_ips_are_ipv4_addresses_of_the_range():
    vpn = make_vpn(WIREGUARD, subnet="10.3.0.0/29")
    template = make_vpn_template(vpn)
    addresses = [client_of(make_config(templates=[template])).ip_address for _ in range(5)]
    net = ipaddress.ip_network("10.3.0.0/29")
    assert len(set(addresses)) == 5
    assert all(ipaddress.ip_address(a) in net for a in addresses)


# --- changes of the server, the template, the certificates -------------------------------------
def test_moving_a_template_to_another_server_moves_its_clients():
    old, new = make_vpn(OPENVPN, name="old"), make_vpn(OPENVPN, name="new")
    template = make_vpn_template(old)
    config = make_config(templates=[template])
    old_cert = client_of(config).cert

    template.vpn = new
    template.full_clean()  # the generated client of "old" is generated again for "new"
    template.save()

    assert new.pk.hex in json.dumps(template.config)
    client = client_of(config)
    assert client.vpn == new and client.cert.ca == new.ca
    old_cert.refresh_from_db()
    assert old_cert.revoked
    config.refresh_from_db()
    assert config.status == "modified" and new.ca.certificate.strip() in json.dumps(
        archive_files(bytes(config.archive))
    ).replace("\\n", "\n")


def test_an_edited_template_of_another_server_is_refused():
    old, new = make_vpn(WIREGUARD, name="old"), make_vpn(WIREGUARD, name="new")
    template = make_vpn_template(old)
    template.config["interfaces"][0]["mtu"] = 1400
    template.vpn = new
    with pytest.raises(ValidationError, match="variables of another VPN server"):
        template.full_clean()


def test_renewing_the_ca_or_the_certificate_reaches_the_clients_configs():
    vpn = make_vpn(OPENVPN)
    config = make_config(templates=[make_vpn_template(vpn)])
    checksum = config.checksum_db

    pki.renew_cert(client_of(config).cert)
    config.refresh_from_db()
    assert config.checksum_db != checksum
    checksum = config.checksum_db

    server_checksum = vpn.checksum_db
    pki.renew_ca(vpn.ca)
    config.refresh_from_db()
    vpn.refresh_from_db()
    assert config.checksum_db != checksum
    assert vpns.current(get_model("vpn"), vpn.pk)[1] != server_checksum


def test_changing_the_servers_ca_reissues_every_client_certificate():

    vpn = make_vpn(OPENVPN)
    config = make_config(templates=[make_vpn_template(vpn)])
    old_cert = client_of(config).cert

    vpn.ca = make_ca("replacement")
    vpns.save(vpn)

    client = client_of(config)
    assert client.cert.ca == vpn.ca
    assert pki.issued_by(load_cert(client.cert.certificate), load_cert(vpn.ca.certificate))
    old_cert.refresh_from_db()
    assert old_cert.revoked


def test_certificates_take_the_extenders_fields_from_what_they_belong_to():
    vpn = make_vpn(OPENVPN)
    config = make_config(templates=[make_vpn_template(vpn)])
    cert_model = get_model("cert")
    if "organization" not in {f.name for f in cert_model._meta.get_fields()}:
        pytest.skip("only the sample extension's certificates have an organization")
    assert vpn.cert.organization_id == vpn.organization_id
    assert client_of(config).cert.organization_id == config.device.organization_id


def test_context_providers_and_before_render_hooks_are_registries():
    from django.core.exceptions import ImproperlyConfigured

    from django_netjsonconfig.rendering import context

    with pytest.raises(ImproperlyConfigured):
        context.providers.register("vpn", lambda *args: [])
    with pytest.raises(ImproperlyConfigured):
        configs.before_render.unregister("nothing")

    context.providers.register("extra", lambda device, templates, config: [("extra", {"x": 1})])
    try:
        config = make_config()
        sources = [source for source, _values in configs.variable_layers(config)]
        assert sources.index("extra") == sources.index("predefined") - 1
    finally:
        context.providers.unregister("extra")


def test_turning_auto_cert_off_removes_what_was_generated():
    vpn = make_vpn(WIREGUARD)
    template = make_vpn_template(vpn)
    config = make_config(templates=[template], context={})
    assert client_of(config).ip_address

    template.auto_cert = False
    template.save()

    client = client_of(config)
    assert (client.ip_address, client.private_key, client.auto_cert) == (None, "", False)
    assert client.public_key == "" and "PublicKey" not in archive_text(vpn)
    assert vpnclients.is_secret(f"pvt_key_{vpn.pk.hex}")
    assert not vpnclients.is_secret(f"pub_key_{vpn.pk.hex}")
