"""The rendering service gives netjsonconfig's own bytes, faster.

``render_archive`` shares compiled renderer templates, validates once and
remembers validated configs; none of that may change a byte. Every case of the
corpus below (built here in code, no stored checksum) is rendered by the
service and by netjsonconfig's plain ``backend(config=..., templates=...,
context=...).generate()``, and the two archives must be equal.
"""

import copy
import hashlib
import io
import tarfile

import netjsonconfig
import pytest

from django_netjsonconfig.rendering import compiled as fastbackends
from django_netjsonconfig.rendering.render import Source, render_archive, render_text

from ..helpers import members

VPN_BACKENDS = (
    ("netjsonconfig.OpenVpn", "OpenVPN"),
    ("netjsonconfig.Wireguard", "WireGuard"),
    ("netjsonconfig.VxlanWireguard", "VXLAN over WireGuard"),
    ("netjsonconfig.ZeroTier", "ZeroTier"),
)
BACKENDS = (
    ("netjsonconfig.OpenWrt", "OpenWRT"),
    ("netjsonconfig.OpenWisp", "OpenWISP Firmware 1.x"),
)


@pytest.fixture(autouse=True)
def _all_backends(settings):
    settings.NETJSONCONFIG_BACKENDS = BACKENDS
    settings.NETJSONCONFIG_VPN_BACKENDS = VPN_BACKENDS


# --- building blocks of the corpus ------------------------------------------------------
def eth(name="eth0", proto="dhcp", **extra):
    return {"name": name, "type": "ethernet", "addresses": [{"proto": proto, "family": "ipv4"}]} | (
        extra
    )


def static(name, address, mask=24, family="ipv4", gateway=None, **extra):
    addr = {"proto": "static", "family": family, "address": address, "mask": mask}
    if gateway:
        addr["gateway"] = gateway
    return {"name": name, "type": "ethernet", "addresses": [addr]} | extra


def radio(name="radio0", protocol="802.11n", channel=1, width=20, **extra):
    out = {"name": name, "protocol": protocol, "channel": channel, "channel_width": width}
    return out | extra


def wifi(name="wlan0", radio_name="radio0", mode="access_point", ssid="lan", **extra):
    wireless = {"radio": radio_name, "mode": mode, "ssid": ssid} | extra
    return {"name": name, "type": "wireless", "wireless": wireless}


def file(path, contents, mode="0644"):
    return {"path": path, "contents": contents, "mode": mode}


OPENWRT = "netjsonconfig.OpenWrt"
OPENWISP = "netjsonconfig.OpenWisp"


def case(id_, backend, config, templates=(), context=None):
    return pytest.param(backend, list(templates), config, dict(context or {}), id=id_)


def openwrt_cases():
    base_tpl = {
        "ntp": {"enabled": True, "enable_server": False, "server": ["0.pool.ntp.org"]},
        "dns_servers": ["9.9.9.9"],
    }
    return [
        case("empty", OPENWRT, {}),
        case("hostname", OPENWRT, {"general": {"hostname": "router-1"}}),
        case(
            "hostname-variable",
            OPENWRT,
            {"general": {"hostname": "{{ name }}"}},
            context={"name": "from-var"},
        ),
        case(
            "timezone",
            OPENWRT,
            {"general": {"hostname": "tz", "timezone": "Europe/Rome", "description": "d"}},
        ),
        case("ethernet-dhcp", OPENWRT, {"interfaces": [eth()]}),
        case(
            "static-v4-v6",
            OPENWRT,
            {
                "interfaces": [
                    {
                        "name": "eth1",
                        "type": "ethernet",
                        "mtu": 1400,
                        "addresses": [
                            {
                                "proto": "static",
                                "family": "ipv4",
                                "address": "192.168.1.1",
                                "mask": 24,
                                "gateway": "192.168.1.254",
                            },
                            {
                                "proto": "static",
                                "family": "ipv6",
                                "address": "fd87::1",
                                "mask": 64,
                            },
                        ],
                    }
                ]
            },
        ),
        case(
            "loopback-and-other",
            OPENWRT,
            {
                "interfaces": [
                    {
                        "name": "lo",
                        "type": "loopback",
                        "addresses": [
                            {
                                "proto": "static",
                                "family": "ipv4",
                                "address": "127.0.0.1",
                                "mask": 8,
                            }
                        ],
                    },
                    {"name": "dummy0", "type": "other", "autostart": False},
                ]
            },
        ),
        case(
            "bridge",
            OPENWRT,
            {
                "interfaces": [
                    eth("eth0", "none") | {"addresses": []},
                    eth("eth1", "none") | {"addresses": []},
                    {
                        "name": "lan",
                        "type": "bridge",
                        "bridge_members": ["eth0", "eth1"],
                        "stp": True,
                        "addresses": [
                            {
                                "proto": "static",
                                "family": "ipv4",
                                "address": "10.1.0.1",
                                "mask": 16,
                            }
                        ],
                    },
                ]
            },
        ),
        case(
            "vlan-8021q",
            OPENWRT,
            {"interfaces": [eth("eth0"), {"name": "eth0", "type": "8021q", "vid": 10}]},
        ),
        case(
            "wireless-ap-2ghz",
            OPENWRT,
            {"radios": [radio()], "interfaces": [wifi(encryption={"protocol": "none"})]},
        ),
        case(
            "wireless-wpa2-5ghz",
            OPENWRT,
            {
                "radios": [radio("radio1", "802.11ac", 36, 80, country="IT", tx_power=10)],
                "interfaces": [
                    wifi(
                        "wlan1",
                        "radio1",
                        ssid="office",
                        encryption={
                            "protocol": "wpa2_personal",
                            "key": "supersecret",
                            "cipher": "auto",
                        },
                    )
                ],
            },
        ),
        case(
            "wireless-station-ax",
            OPENWRT,
            {
                "radios": [radio("radio0", "802.11ax", 0, 40, band="2g")],
                "interfaces": [wifi(mode="station", ssid="uplink", bssid="00:11:22:33:44:55")],
            },
        ),
        case(
            "wireless-mesh",
            OPENWRT,
            {
                "radios": [radio()],
                "interfaces": [
                    {
                        "name": "mesh0",
                        "type": "wireless",
                        "wireless": {"radio": "radio0", "mode": "802.11s", "mesh_id": "m1"},
                    }
                ],
            },
        ),
        case(
            "routes",
            OPENWRT,
            {
                "interfaces": [static("eth0", "10.0.0.2")],
                "routes": [
                    {
                        "device": "eth0",
                        "destination": "10.10.0.0/16",
                        "next": "10.0.0.1",
                        "cost": 2,
                    },
                    {"device": "eth0", "destination": "fd00::/8", "next": "fd87::1", "cost": 0},
                ],
            },
        ),
        case(
            "ip-rules",
            OPENWRT,
            {"ip_rules": [{"in": "lan", "src": "192.168.1.0/24", "dest": "10.0.0.0/8"}]},
        ),
        case(
            "dns",
            OPENWRT,
            {
                "interfaces": [static("eth0", "10.0.0.2", gateway="10.0.0.1")],
                "dns_servers": ["8.8.8.8", "2001:4860:4860::8888"],
                "dns_search": ["lan.local", "x.org"],
            },
        ),
        case("ntp", OPENWRT, {"ntp": {"enabled": True, "server": ["a.pool.org", "b.pool.org"]}}),
        case(
            "files-with-modes",
            OPENWRT,
            {
                "files": [
                    file("/etc/banner", "hello\nworld"),
                    file("/usr/bin/run.sh", "#!/bin/sh\necho run\n", "0755"),
                    file("/etc/secret", "s3cr3t", "0600"),
                ]
            },
        ),
        case(
            "files-with-variables",
            OPENWRT,
            {"files": [file("/etc/{{ dir }}/conf", "key={{ key }}\nother={{ other }}", "0644")]},
            context={"dir": "app", "key": "value", "other": "42"},
        ),
        case(
            "led",
            OPENWRT,
            {"led": [{"name": "status", "sysfs": "led:green", "trigger": "heartbeat"}]},
        ),
        case(
            "switch",
            OPENWRT,
            {
                "switch": [
                    {
                        "name": "switch0",
                        "reset": True,
                        "enable_vlan": True,
                        "vlan": [
                            {"device": "switch0", "vlan": 1, "ports": "0t 2 3 4 5"},
                            {"device": "switch0", "vlan": 2, "ports": "0t 1"},
                        ],
                    }
                ]
            },
        ),
        case(
            "openvpn-in-openwrt",
            OPENWRT,
            {
                "openvpn": [
                    {
                        "name": "vpn1",
                        "mode": "p2p",
                        "proto": "udp",
                        "dev": "tun0",
                        "dev_type": "tun",
                        "ca": "/etc/x509/ca.pem",
                        "cert": "/etc/x509/cert.pem",
                        "key": "/etc/x509/key.pem",
                        "remote": [{"host": "vpn.example.com", "port": 1194}],
                        "tls_client": True,
                        "nobind": True,
                    }
                ]
            },
        ),
        case(
            "wireguard-interface",
            OPENWRT,
            {
                "interfaces": [
                    {
                        "name": "wg0",
                        "type": "wireguard",
                        "private_key": "QFdbnuYr7rrF4eONCAs7FhZwP7BXX/jD/jq2LXCpaXI=",
                        "port": 51820,
                        "addresses": [
                            {
                                "proto": "static",
                                "family": "ipv4",
                                "address": "10.8.0.2",
                                "mask": 32,
                            }
                        ],
                    }
                ],
                "wireguard_peers": [
                    {
                        "interface": "wg0",
                        "public_key": "94a+MnZSdzHCzOy5y2K+0+Xe7lQzaa4v7lEiBZ7elVE=",
                        "allowed_ips": ["10.8.0.1/32"],
                        "endpoint_host": "wg.example.com",
                        "endpoint_port": 51820,
                        "persistent_keepalive": 25,
                    }
                ],
            },
        ),
        case(
            "custom-package",
            OPENWRT,
            {
                "firewall": [
                    {
                        "config_name": "zone",
                        "name": "lan",
                        "input": "ACCEPT",
                        "network": ["lan"],
                    }
                ]
            },
        ),
        case(
            "one-template",
            OPENWRT,
            {"general": {"hostname": "r1"}, "interfaces": [eth()]},
            templates=[base_tpl],
        ),
        case(
            "templates-merge-lists",
            OPENWRT,
            {
                "interfaces": [
                    {"name": "eth0", "type": "ethernet", "mtu": 1450},
                    eth("eth2"),
                ],
                "dns_servers": ["1.1.1.1"],
                "files": [file("/etc/device", "device")],
            },
            templates=[
                base_tpl,
                {"interfaces": [eth("eth0"), eth("eth1")], "files": [file("/etc/t2", "t2")]},
                {
                    "interfaces": [{"name": "eth1", "type": "ethernet", "mtu": 1300}],
                    "files": [file("/etc/t2", "t2")],
                },
            ],
        ),
        case(
            "templates-override-and-variables",
            OPENWRT,
            {"general": {"hostname": "{{ name }}"}, "ntp": {"enabled": False}},
            templates=[
                base_tpl,
                {
                    "radios": [radio()],
                    "interfaces": [wifi(ssid="{{ ssid }}")],
                    "files": [file("/etc/owner", "{{ owner }}", "0640")],
                },
            ],
            context={"name": "dev-7", "ssid": "guest", "owner": "ops"},
        ),
        case(
            "template-only-variables-unused",
            OPENWRT,
            {},
            templates=[{"general": {"hostname": "tpl"}}],
            context={"unused": "value"},
        ),
        case(
            "ppp",
            OPENWRT,
            {
                "interfaces": [
                    {
                        "name": "ppp0",
                        "type": "dialup",
                        "proto": "pppoe",
                        "username": "u",
                        "password": "p",
                    }
                ]
            },
        ),
        case(
            "vxlan-interface",
            OPENWRT,
            {
                "interfaces": [
                    {
                        "name": "vxlan1",
                        "type": "vxlan",
                        "vtep": "10.0.0.1",
                        "port": 4789,
                        "vni": 1,
                        "tunlink": "wg0",
                    }
                ]
            },
        ),
        case(
            "unicode",
            OPENWRT,
            {
                "general": {"hostname": "rr", "description": "caffè ☕"},
                "files": [file("/etc/motd", "ciao ☀ {{ who }}")],
            },
            context={"who": "Zoë"},
        ),
    ]


def openwisp_cases():
    return [
        case("openwisp-empty", OPENWISP, {}),
        case(
            "openwisp-radio-defaults",
            OPENWISP,
            {"general": {"hostname": "ow1"}, "radios": [radio()], "interfaces": [wifi()]},
        ),
        case(
            "openwisp-bridge-tap-vpn",
            OPENWISP,
            {
                "interfaces": [
                    {
                        "name": "br-lan",
                        "type": "bridge",
                        "bridge_members": ["tap0"],
                        "addresses": [
                            {
                                "proto": "static",
                                "family": "ipv4",
                                "address": "10.2.0.1",
                                "mask": 24,
                            }
                        ],
                    }
                ],
                "openvpn": [
                    {
                        "name": "2693",
                        "mode": "p2p",
                        "proto": "tcp-client",
                        "dev": "tap0",
                        "dev_type": "tap",
                        "ca": "/tmp/owispmanager/openvpn/x509/ca_1_service.pem",
                        "cert": "/tmp/owispmanager/openvpn/x509/l2vpn_client_2693.pem",
                        "key": "/tmp/owispmanager/openvpn/x509/l2vpn_client_2693.pem",
                        "remote": [{"host": "vpn.example.com", "port": 1194}],
                        "up": "/tmp/owispmanager/openvpn/vpn_2693_script_up.sh",
                        "down": "/tmp/owispmanager/openvpn/vpn_2693_script_down.sh",
                        "script_security": 1,
                        "tls_client": True,
                    }
                ],
            },
        ),
        case(
            "openwisp-tc-and-cron",
            OPENWISP,
            {
                "tc_options": [{"name": "tap0", "input_bandwidth": 2048, "output_bandwidth": 1024}],
                "files": [file("/crontabs/root", "* * * * * echo 'test' > /tmp/test-cron")],
            },
        ),
        case(
            "openwisp-templates-variables",
            OPENWISP,
            {"general": {"hostname": "{{ name }}"}},
            templates=[
                {"ntp": {"enabled": True, "server": ["pool.ntp.org"]}},
                {"files": [file("/etc/site", "{{ site }}", "0755")]},
            ],
            context={"name": "ow-2", "site": "rome"},
        ),
    ]


def vpn_cases():
    server = {
        "name": "srv",
        "mode": "server",
        "proto": "udp",
        "port": 1194,
        "dev": "tun0",
        "dev_type": "tun",
        "ca": "ca.pem",
        "cert": "cert.pem",
        "key": "key.pem",
        "dh": "dh.pem",
        "server": "10.8.0.0 255.255.0.0",
        "tls_server": True,
        "keepalive": "10 120",
    }
    client = {
        "name": "cl",
        "mode": "p2p",
        "proto": "udp",
        "dev": "tun0",
        "dev_type": "tun",
        "ca": "ca.pem",
        "cert": "cert.pem",
        "key": "key.pem",
        "remote": [{"host": "{{ vpn_host }}", "port": 1194}],
        "tls_client": True,
        "pull": True,
        "nobind": True,
    }
    wg_server = {
        "name": "wg0",
        "private_key": "QFdbnuYr7rrF4eONCAs7FhZwP7BXX/jD/jq2LXCpaXI=",
        "port": 51820,
        "address": "10.0.0.1/24",
        "peers": [
            {
                "public_key": "94a+MnZSdzHCzOy5y2K+0+Xe7lQzaa4v7lEiBZ7elVE=",
                "allowed_ips": "10.0.0.2/32",
            }
        ],
    }
    return [
        case("openvpn-server", "netjsonconfig.OpenVpn", {"openvpn": [server]}),
        case(
            "openvpn-client-template",
            "netjsonconfig.OpenVpn",
            {"openvpn": [client], "files": [file("ca.pem", "CA")]},
            templates=[{"openvpn": [server | {"name": "srv2", "dev": "tun1"}]}],
            context={"vpn_host": "vpn.example.org"},
        ),
        case("wireguard-server", "netjsonconfig.Wireguard", {"wireguard": [wg_server]}),
        case(
            "zerotier",
            "netjsonconfig.ZeroTier",
            {
                "zerotier": [
                    {
                        "name": "{{ zt_name }}",
                        "id": "9536600adf654321",
                        "nwid": "9536600adf654321",
                        "private": True,
                        "mtu": 2800,
                        "routes": [{"target": "10.0.0.0/24", "via": ""}],
                        "ipAssignmentPools": [
                            {"ipRangeStart": "10.0.0.10", "ipRangeEnd": "10.0.0.100"}
                        ],
                        "v4AssignMode": {"zt": True},
                    }
                ]
            },
            context={"zt_name": "zt-net"},
        ),
        case(
            "vxlan-wireguard",
            "netjsonconfig.VxlanWireguard",
            {"wireguard": [wg_server], "vxlan": [{"name": "vxlan1", "vni": 1}]},
        ),
    ]


CORPUS = openwrt_cases() + openwisp_cases() + vpn_cases()


def reference_backend(backend, templates, config, context):
    cls = {
        OPENWRT: netjsonconfig.OpenWrt,
        OPENWISP: netjsonconfig.OpenWisp,
        "netjsonconfig.OpenVpn": netjsonconfig.OpenVpn,
        "netjsonconfig.Wireguard": netjsonconfig.Wireguard,
        "netjsonconfig.VxlanWireguard": netjsonconfig.VxlanWireguard,
        "netjsonconfig.ZeroTier": netjsonconfig.ZeroTier,
    }[backend]
    return cls(
        config=copy.deepcopy(config), templates=copy.deepcopy(templates), context=dict(context)
    )


def reference(backend, templates, config, context):
    """netjsonconfig's own backend for the input, and its archive."""
    backend_obj = reference_backend(backend, templates, config, context)
    return backend_obj, backend_obj.generate().getvalue()


def _add_file_fixed(self, tar, name, contents, mode="0644"):
    """netjsonconfig 1.3.1's ``BaseBackend._add_file`` with the one-line upstream fix
    (docs/configuration.md): the member's size is the length of the bytes written."""
    byte_contents = io.BytesIO(contents.encode("utf8"))
    info = tarfile.TarInfo(name=name)
    info.size = len(byte_contents.getvalue())  # was: len(contents)
    info.mtime = 0
    info.type = tarfile.REGTYPE
    info.mode = int(mode, 8)
    tar.addfile(tarinfo=info, fileobj=byte_contents)


def fixed_reference(backend, templates, config, context):
    """The archive of netjsonconfig with the upstream fix of its tar member sizes."""
    backend_obj = reference_backend(backend, templates, config, context)
    backend_obj._add_file = _add_file_fixed.__get__(backend_obj)
    return backend_obj.generate().getvalue()


def all_ascii(backend, templates, config, context):
    """Whether every text the archive holds is ASCII (netjsonconfig's archive is then right)."""
    backend_obj = reference_backend(backend, templates, config, context)
    return backend_obj.render().isascii()


def sources(templates, config):
    out = [Source(f'template "t{i}"', t) for i, t in enumerate(templates)]
    return out + [Source("device configuration", config)]


def test_the_corpus_is_large_and_covers_the_backends():
    assert len(CORPUS) >= 30
    backends = {p.values[0] for p in CORPUS}
    assert {OPENWRT, OPENWISP, "netjsonconfig.OpenVpn", "netjsonconfig.Wireguard"} <= backends


@pytest.mark.parametrize("backend,templates,config,context", CORPUS)
def test_archive_is_byte_identical_to_netjsonconfig(backend, templates, config, context):
    reference_backend(backend, templates, config, context).validate()  # a valid corpus
    _, plain = reference(backend, templates, config, context)
    expected = fixed_reference(backend, templates, config, context)
    if all_ascii(backend, templates, config, context):
        # netjsonconfig's own bytes: its archive is right
        assert expected == plain
    else:
        # netjsonconfig cuts non-ASCII members short (sized in characters): its bytes
        # with the one-line fix, which changes nothing else
        assert expected != plain
    fastbackends.memo.clear()
    fastbackends.archives.clear()
    # nothing remembered; the validation remembered; the validation and the archive
    for forget_archives in (True, True, False):
        if forget_archives:
            fastbackends.archives.clear()
        rendered = render_archive(backend, sources(templates, config), context)
        assert rendered.archive == expected
        assert rendered.checksum == hashlib.md5(expected).hexdigest()
    assert fastbackends.memo.hits >= 2 and fastbackends.archives.hits >= 1
    if config or templates:
        assert members(rendered.archive)  # something was rendered


@pytest.mark.parametrize("backend,templates,config,context", CORPUS)
def test_preview_text_is_identical_to_netjsonconfig(backend, templates, config, context):
    expected = reference_backend(backend, templates, config, context).render()
    assert render_text(backend, sources(templates, config), context) == expected


@pytest.mark.parametrize("backend,templates,config,context", CORPUS)
def test_inputs_are_not_modified(backend, templates, config, context):
    before = copy.deepcopy((templates, config, context))
    render_archive(backend, sources(templates, config), context)
    assert (templates, config, context) == before


@pytest.mark.parametrize("backend,templates,config,context", CORPUS)
def test_the_compiled_validator_accepts_every_valid_config_of_the_corpus(
    backend, templates, config, context
):
    """Not needed for the bytes (a refusal falls back to the reference), but for speed."""
    merged = reference_backend(backend, templates, config, context)
    merged.validate()
    check = fastbackends.compiled_validator(type(merged).schema)
    check(merged.config)


def test_the_fast_classes_are_used_for_netjsonconfig_backends():
    for cls in (
        netjsonconfig.OpenWrt,
        netjsonconfig.OpenWisp,
        netjsonconfig.OpenVpn,
        netjsonconfig.Wireguard,
        netjsonconfig.VxlanWireguard,
        netjsonconfig.ZeroTier,
    ):
        fast = fastbackends.fast_class(cls)
        assert fast is not None and issubclass(fast, cls)
        assert (fast.__name__, fast.__module__) == (cls.__name__, cls.__module__)
        assert fastbackends.compiled_validator(cls.schema) is not None, cls


def test_two_renders_of_the_same_input_give_the_same_bytes():
    config = {"general": {"hostname": "same"}, "interfaces": [eth()], "radios": [radio()]}
    first = render_archive(OPENWRT, sources([], config), {})
    fastbackends.memo.clear()
    fastbackends.archives.clear()
    second = render_archive(OPENWRT, sources([], config), {})
    third = render_archive(OPENWRT, sources([], config), {})
    assert first == second == third


def test_renderer_templates_are_compiled_once_per_process():
    import jinja2

    config = {"general": {"hostname": "{{ x }}"}, "interfaces": [eth()]}
    render_archive(OPENWRT, sources([], config), {"x": "first"})
    render_archive(OPENWISP, sources([], config), {"x": "first"})
    compiled = []
    original = jinja2.Environment.compile

    def counting(self, *args, **kwargs):
        compiled.append(args[1] if len(args) > 1 else kwargs.get("name"))
        return original(self, *args, **kwargs)

    jinja2.Environment.compile = counting
    try:
        for i in range(3):
            render_archive(OPENWRT, sources([], config), {"x": f"host-{i}"})
            render_archive(OPENWISP, sources([], config), {"x": f"host-{i}"})
    finally:
        jinja2.Environment.compile = original
    assert compiled == []


def nested_variants():
    """A config and copies that each differ from it in one deeply nested value."""
    base = {
        "general": {"hostname": "memo"},
        "radios": [radio()],
        "interfaces": [
            static("eth0", "10.0.0.2", 24),
            wifi(encryption={"protocol": "wpa2_personal", "key": "password1"}),
        ],
        "files": [file("/etc/a", "alpha", "0644")],
    }
    changes = [
        lambda c: c["interfaces"][0]["addresses"][0].__setitem__("mask", 16),
        lambda c: c["interfaces"][0]["addresses"][0].__setitem__("address", "10.0.0.3"),
        lambda c: c["interfaces"][1]["wireless"]["encryption"].__setitem__("key", "password2"),
        lambda c: c["radios"][0].__setitem__("channel", 6),
        lambda c: c["files"][0].__setitem__("mode", "0600"),
        lambda c: c["files"][0].__setitem__("contents", "alphA"),
        lambda c: c["general"].__setitem__("hostname", "memo2"),
    ]
    variants = []
    for change in changes:
        variant = copy.deepcopy(base)
        change(variant)
        variants.append(variant)
    return base, variants


@pytest.mark.parametrize("backend", [OPENWRT, OPENWISP])
def test_the_memo_does_not_leak_between_different_inputs(backend):
    base, variants = nested_variants()
    fastbackends.memo.clear()
    fastbackends.archives.clear()
    seen = {render_archive(backend, sources([], base), {}).archive}
    for variant in variants:
        rendered = render_archive(backend, sources([], variant), {})
        _, expected = reference(backend, [], variant, {})
        assert rendered.archive == expected
        assert rendered.archive not in seen
        seen.add(rendered.archive)
        # and back: the base config still renders as itself
        assert (
            render_archive(backend, sources([], base), {}).archive
            == reference(backend, [], base, {})[1]
        )


def test_a_variable_value_reaching_a_nested_value_changes_the_output():
    tpl = {"interfaces": [wifi(ssid="{{ ssid }}")], "radios": [radio()]}
    outputs = {
        render_archive(OPENWRT, sources([tpl], {}), {"ssid": ssid}).archive
        for ssid in ("a", "b", "c")
    }
    assert len(outputs) == 3


def test_the_same_final_config_on_two_backends_gives_each_its_own_bytes():
    config = {"general": {"hostname": "both"}, "radios": [radio()], "interfaces": [wifi()]}
    for backend in (OPENWRT, OPENWISP, OPENWRT, OPENWISP):
        rendered = render_archive(backend, sources([], config), {})
        assert rendered.archive == reference(backend, [], config, {})[1]


def test_the_memos_are_bounded():
    validations = fastbackends.ValidationMemo(maxsize=3)
    for i in range(10):
        validations.add(("cls", i))
    assert len(validations) == 3
    assert ("cls", 9) in validations and ("cls", 0) not in validations
    archives = fastbackends.ArchiveMemo(maxsize=100, maxbytes=10, max_item=6)
    archives.put("a", b"1234")
    archives.put("b", b"1234")
    archives.put("c", b"1234")  # 12 bytes: the oldest goes
    assert archives.get("a") is None and archives.get("c") == b"1234"
    archives.put("big", b"1234567")  # larger than max_item: not kept
    assert archives.get("big") is None
    assert len(archives) == 2


class CountingOpenWrt(netjsonconfig.OpenWrt):
    """A third-party backend whose output is not a function of its config alone."""

    renders = 0

    def _generate_contents(self, tar):
        type(self).renders += 1
        super()._generate_contents(tar)
        self._add_file(tar, "etc/render-count", str(type(self).renders))


def test_archives_of_a_backend_with_its_own_generation_code_are_not_remembered(settings):
    path = "tests.unit.test_rendering_identical.CountingOpenWrt"
    settings.NETJSONCONFIG_BACKENDS = BACKENDS + ((path, "counting"),)
    fast = fastbackends.fast_class(CountingOpenWrt)
    assert fast is not None and not fast.remember_archives  # validation is still shared
    assert fastbackends.fast_class(netjsonconfig.OpenWrt).remember_archives
    config = {"general": {"hostname": "count"}}
    first = render_archive(path, sources([], config), {})
    second = render_archive(path, sources([], config), {})
    assert first.archive != second.archive
    assert members(second.archive)["etc/render-count"] == str(fast.renders).encode()
