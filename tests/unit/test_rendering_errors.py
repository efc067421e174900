"""Invalid inputs are still refused, with the path and the source, by every backend.

The rendering service remembers validated configs and checks new ones with a
compiled validator before netjsonconfig's own; neither shortcut may let an
invalid config through or change the error the user reads.
"""

import copy
import random

import netjsonconfig
import pytest
from jsonschema import Draft4Validator
from netjsonconfig.backends.base.backend import format_checker

from django_netjsonconfig.rendering import compiled as fastbackends
from django_netjsonconfig.rendering.render import (
    RenderError,
    Source,
    render_archive,
    render_text,
)

from .test_rendering_identical import BACKENDS, CORPUS, VPN_BACKENDS


@pytest.fixture(autouse=True)
def _all_backends(settings):
    settings.NETJSONCONFIG_BACKENDS = BACKENDS + (
        ("tests.unit.test_rendering_errors.StrictOpenWrt", "OpenWrt with a house rule"),
    )
    settings.NETJSONCONFIG_VPN_BACKENDS = VPN_BACKENDS


class StrictOpenWrt(netjsonconfig.OpenWrt):
    """A third-party backend with its own validation: used as it is, no shortcut."""

    def validate(self):
        super().validate()
        if self.config.get("general", {}).get("hostname", "").startswith("forbidden"):
            raise netjsonconfig.exceptions.ValidationError(
                netjsonconfig.backends.base.backend.JsonSchemaError(
                    "house rule: hostname", path=("general", "hostname")
                )
            )


ETH = {
    "name": "eth0",
    "type": "ethernet",
    "addresses": [{"proto": "static", "family": "ipv4", "address": "10.0.0.2", "mask": 24}],
}
WG = {
    "name": "wg0",
    "private_key": "QFdbnuYr7rrF4eONCAs7FhZwP7BXX/jD/jq2LXCpaXI=",
    "port": 51820,
    "address": "10.0.0.1/24",
    "peers": [],
}
OVPN = {
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
}

# backend -> (a valid template, a bad value and where it goes, the path in the message)
CASES = {
    "netjsonconfig.OpenWrt": (
        {"interfaces": [ETH]},
        lambda c: c["interfaces"][0].__setitem__("mtu", "big"),
        "interfaces[0]",
    ),
    "netjsonconfig.OpenWisp": (
        {"general": {"hostname": "ow"}},
        lambda c: c["general"].__setitem__("hostname", "not a hostname!"),
        "general.hostname",
    ),
    "netjsonconfig.OpenVpn": (
        {"openvpn": [OVPN]},
        lambda c: c["openvpn"][0].__setitem__("port", "not-a-port"),
        "openvpn[0]",
    ),
    "netjsonconfig.Wireguard": (
        {"wireguard": [WG]},
        lambda c: c["wireguard"][0].__setitem__("port", 700000),
        "wireguard[0].port",
    ),
    "netjsonconfig.VxlanWireguard": (
        {"wireguard": [WG], "vxlan": [{"name": "vxlan1", "vni": 1}]},
        lambda c: c["vxlan"][0].__setitem__("vni", "one"),
        "vxlan[0].vni",
    ),
    "netjsonconfig.ZeroTier": (
        {"zerotier": [{"name": "zt", "id": "9536600adf654321", "nwid": "9536600adf654321"}]},
        lambda c: c["zerotier"][0].__setitem__("mtu", "x"),
        "zerotier[0].mtu",
    ),
    "tests.unit.test_rendering_errors.StrictOpenWrt": (
        {"interfaces": [ETH]},
        lambda c: c["interfaces"][0].__setitem__("mtu", "big"),
        "interfaces[0]",
    ),
}


def bad(valid, spoil):
    out = copy.deepcopy(valid)
    spoil(out)
    return out


@pytest.mark.parametrize("backend", sorted(CASES))
@pytest.mark.parametrize("where", ["template", "device"])
def test_an_invalid_value_names_its_path_and_source_every_time(backend, where):
    valid, spoil, path = CASES[backend]
    invalid = bad(valid, spoil)
    if where == "template":
        sources = [Source('template "base"', invalid), Source("device configuration", {})]
        label = 'template "base"'
    else:
        sources = [Source('template "base"', {}), Source("device configuration", invalid)]
        label = "device configuration"
    fastbackends.memo.clear()
    # the valid input renders (and is remembered) ...
    render_archive(backend, [Source('template "base"', valid)], {})
    messages = set()
    for _ in range(3):  # ... the invalid one is refused, memo cold or warm
        with pytest.raises(RenderError) as caught:
            render_archive(backend, sources, {})
        error = caught.value
        assert error.path == path
        assert error.source == label
        assert f" at {path} (from {label})" in error.message
        messages.add(error.message)
        with pytest.raises(RenderError):
            render_text(backend, sources, {})
    assert len(messages) == 1
    # and the valid one still renders afterwards
    render_archive(backend, [Source('template "base"', valid)], {})


def test_a_nested_change_that_makes_a_remembered_config_invalid_is_refused():
    config = {"interfaces": [copy.deepcopy(ETH)], "general": {"hostname": "ok-host"}}
    render_archive("netjsonconfig.OpenWrt", [Source("device configuration", config)], {})
    config["interfaces"][0]["addresses"][0]["family"] = "ipv5"
    with pytest.raises(RenderError) as caught:
        render_archive("netjsonconfig.OpenWrt", [Source("device configuration", config)], {})
    assert caught.value.path.startswith("interfaces[0]")
    assert caught.value.source == "device configuration"


@pytest.mark.parametrize(
    "config,path,text",
    [
        ({"ip_rules": [{"src": "10.0.0.0/33"}]}, "ip_rules[0].src", "is not a 'cidr'"),
        ({"general": {"hostname": "bad_host!"}}, "general.hostname", "is not a 'hostname'"),
        ({"ntp": {"server": ["-x-"]}}, "ntp.server[0]", "is not a 'hostname'"),
        ({"dns_search": ["a b"]}, "dns_search[0]", "is not a 'hostname'"),
        (
            {"files": [{"path": "/etc/../x", "contents": "", "mode": "0644"}]},
            "files[0].path",
            "Invalid file path",
        ),
        (
            {"files": [{"path": "/etc/x", "contents": "", "mode": "999"}]},
            "files[0].mode",
            "does not match",
        ),
    ],
)
def test_format_and_file_path_checks_of_netjsonconfig_are_kept(config, path, text):
    for _ in range(2):
        with pytest.raises(RenderError) as caught:
            render_archive("netjsonconfig.OpenWrt", [Source("device configuration", config)], {})
        assert caught.value.path == path
        assert caught.value.source == "device configuration"
        assert text in caught.value.message


def test_checks_outside_the_schema_are_kept():
    radios = {"radios": [{"name": "r0", "protocol": "802.11n", "channel": 0, "channel_width": 20}]}
    with pytest.raises(RenderError, match='"channel" cannot be set to "auto"'):
        render_archive("netjsonconfig.OpenWrt", [Source("device configuration", radios)], {})
    bridge = {
        "interfaces": [
            {
                "name": "br0",
                "type": "bridge",
                "bridge_members": ["eth0", "eth1"],
                "vlan_filtering": [
                    {"vlan": 1, "ports": [{"ifname": "eth0", "tagging": "u", "primary_vid": True}]},
                    {"vlan": 2, "ports": [{"ifname": "eth0", "tagging": "t", "primary_vid": True}]},
                ],
            }
        ]
    }
    with pytest.raises(RenderError, match="Primary VID"):
        render_archive("netjsonconfig.OpenWrt", [Source("device configuration", bridge)], {})


def test_templates_that_cannot_be_merged_are_an_error():
    sources = [
        Source('template "a"', {"interfaces": [ETH]}),
        Source("device configuration", {"interfaces": {"name": "eth0"}}),
    ]
    with pytest.raises(RenderError, match="Incompatible type for 'interfaces'"):
        render_archive("netjsonconfig.OpenWrt", sources, {})


def test_unresolved_variables_are_named():
    sources = [
        Source('template "a"', {"general": {"hostname": "{{ name }}"}}),
        Source("device configuration", {"files": [{"path": "/x", "contents": "{{ b }}"}]}),
    ]
    with pytest.raises(RenderError) as caught:
        render_archive("netjsonconfig.OpenWrt", sources, {})
    assert caught.value.variables == ("b", "name")
    assert caught.value.message == "unresolved variables: b, name"


def test_values_that_are_not_plain_json_get_no_shortcut():
    """A tuple is no JSON array for netjsonconfig; the compiled validator would take it."""
    config = {"dns_servers": ("8.8.8.8",), "interfaces": [ETH]}
    for _ in range(2):
        with pytest.raises(RenderError) as caught:
            render_archive("netjsonconfig.OpenWrt", [Source("device configuration", config)], {})
        assert caught.value.path == "dns_servers"
    assert fastbackends.content_key(config) is None
    assert fastbackends.content_key({"a": [1, 2.5, True, None, "x"]}) is not None
    assert fastbackends.content_key({1: "non-string key"}) is None
    assert fastbackends.content_key({"a": float("nan")}) is None


def test_a_third_party_backend_with_its_own_validation_is_used_as_it_is():
    assert fastbackends.fast_class(StrictOpenWrt) is None
    backend = "tests.unit.test_rendering_errors.StrictOpenWrt"
    config = {"general": {"hostname": "forbidden-1"}}
    for _ in range(2):
        with pytest.raises(RenderError) as caught:
            render_archive(backend, [Source("device configuration", config)], {})
        assert caught.value.message.startswith("house rule: hostname at general.hostname")
    ok = {"general": {"hostname": "allowed"}, "interfaces": [ETH]}
    rendered = render_archive(backend, [Source("device configuration", ok)], {})
    assert rendered.archive == StrictOpenWrt(config=copy.deepcopy(ok)).generate().getvalue()


def test_an_unknown_backend_is_an_error():
    with pytest.raises(RenderError, match='unknown backend "nope.Backend"'):
        render_archive("nope.Backend", [Source("device configuration", {})], {})


# --- the compiled validator never accepts what netjsonconfig refuses ---------------------
ODD_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1,
    7,
    65536,
    2**40,
    1.5,
    -0.5,
    "",
    "x",
    "a b",
    "bad_host!",
    "-x-",
    "10.0.0.0/33",
    "10.0.0.0/8",
    "999.1.1.1",
    "10.0.0.1",
    "::1",
    "fd00::/129",
    "0644",
    "9999",
    "/etc/../x",
    "x" * 300,
    "{{ var }}",
    [],
    {},
    ["x"],
    [1, 1],
    {"a": 1},
    {"name": "x"},
]


def _nodes(value, path=()):
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, path + (index,))


def _mutate(config, rng):
    config = copy.deepcopy(config)
    nodes = [(p, v) for p, v in _nodes(config) if p]
    if not nodes:
        config[rng.choice(["general", "interfaces", "files", "x"])] = rng.choice(ODD_VALUES)
        return config
    path, value = rng.choice(nodes)
    parent = config
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    action = rng.random()
    if action < 0.6:
        parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
    elif action < 0.75 and isinstance(parent, dict):
        del parent[last]
    elif action < 0.85 and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))  # a duplicate item (uniqueItems)
    elif isinstance(value, dict):
        value[rng.choice(["unknown", "name", "type", "mode", "proto"])] = rng.choice(ODD_VALUES)
    else:
        parent[last] = copy.deepcopy(rng.choice(ODD_VALUES))
    return config


def _reference_error(cls, config):
    try:
        cls(config=copy.deepcopy(config)).validate()
    except Exception as exc:  # whatever netjsonconfig raises
        return type(exc).__name__, getattr(exc, "message", str(exc))
    return None


def test_fast_path_never_accepts_what_the_reference_refuses():
    """Differential check over mutations of the valid corpus, per backend."""
    rng = random.Random(20260101)
    classes = {
        "netjsonconfig.OpenWrt": netjsonconfig.OpenWrt,
        "netjsonconfig.OpenWisp": netjsonconfig.OpenWisp,
        "netjsonconfig.OpenVpn": netjsonconfig.OpenVpn,
        "netjsonconfig.Wireguard": netjsonconfig.Wireguard,
        "netjsonconfig.VxlanWireguard": netjsonconfig.VxlanWireguard,
        "netjsonconfig.ZeroTier": netjsonconfig.ZeroTier,
    }
    checked = refused = 0
    for param in CORPUS:
        backend, templates, config, context = param.values
        cls = classes[backend]
        fast_cls = fastbackends.fast_class(cls)
        merged = cls(
            config=copy.deepcopy(config), templates=copy.deepcopy(templates), context=context
        ).config
        compiled = fastbackends.compiled_validator(cls.schema)
        for _ in range(25):
            mutated = _mutate(merged, rng)
            expected = _reference_error(cls, mutated)
            # the compiled validator alone, on the schema: never laxer
            schema_ok = Draft4Validator(cls.schema, format_checker=format_checker).is_valid(mutated)
            try:
                compiled(mutated)
                fast_ok = True
            except Exception:
                fast_ok = False
            assert schema_ok or not fast_ok, (param.id, mutated)
            # the whole validate() of the fast class: same outcome, same message, twice
            for _ in range(2):
                assert _reference_error(fast_cls, mutated) == expected, (param.id, mutated)
            checked += 1
            refused += expected is not None
    assert checked >= 900
    assert refused > checked // 3  # the mutations do hit the checks


@pytest.mark.parametrize(
    "config,path",
    [
        ({"radios": [{"name": "radio0", "channel": 1}]}, "radios[0]"),
        ({"radios": "x"}, "radios"),
    ],
)
def test_shapes_that_trip_netjsonconfig_before_its_schema_check_are_reported(config, path):
    """netjsonconfig checks radios before the schema, and crashes on these."""
    with pytest.raises(RenderError) as caught:
        render_archive("netjsonconfig.OpenWrt", [Source("device configuration", config)], {})
    assert caught.value.path == path
    assert caught.value.source == "device configuration"


def test_the_compiled_validator_follows_draft_4_like_netjsonconfig():
    """netjsonconfig validates with Draft4Validator whatever ``$schema`` says."""
    schema = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"n": {"type": "integer"}, "m": {"type": "number", "minimum": 0}},
    }
    compiled = fastbackends.compiled_validator(schema)
    for value in ({"n": 1.0}, {"n": True}, {"m": True}, {"n": "1"}):
        assert not Draft4Validator(schema).is_valid(value)
        with pytest.raises(Exception):  # noqa: B017 - any refusal will do
            compiled(value)
    compiled({"n": 1, "m": 0.5})
