"""Variable values are inserted literally, whatever characters they hold.

netjsonconfig substitutes a variable with ``re.sub(pattern, value, text)``: the value
is read as a regular expression replacement, so ``C:\\new\\dir`` raises ``bad escape``,
``SN\\1`` becomes the variable's name, ``SN\\n1`` a newline, and a value holding
``{{ other }}`` is substituted again. The rendering service inserts every value as it
is, in every backend, and a render that fails for any reason raises ``RenderError``
(an admin validation error, a controller answer with its header), never anything else.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.rendering.render import (
    RenderError,
    Source,
    render_archive,
    render_text,
)

from ..admin_helpers import admin_url, device_form_data, errors_of
from ..agent import Agent, client_transport
from ..factories import OPENWRT, TemplateFactory, make_config
from ..helpers import members

OPENWISP = "netjsonconfig.OpenWisp"

HOSTILE = [
    "C:\\new\\dir",
    "SN\\q",
    "SN\\1",
    "SN\\n1",
    "\\g<0>",
    "\\g<name>",
    "\\",
    "trailing\\",
    "\\\\server\\share",
    "$1 $& $0",
    "{{ other }}",
    "{{other}}",
    "{{ name }}{{ other }}",
    "{{",
    "}}",
    "a}}b{{c",
    "%s %(x)s {0}",
    "line1\nline2",
    "tab\tand\rreturn",
    "nul\x00byte",
    "caffè ☕ e\u0301",
]

# every backend, with a minimal valid config holding the file the test reads
OPENVPN_SERVER = {
    "name": "srv",
    "mode": "server",
    "proto": "udp",
    "dev": "tun0",
    "dev_type": "tun",
    "ca": "ca.pem",
    "cert": "cert.pem",
    "key": "key.pem",
    "dh": "dh.pem",
    "tls_server": True,
}
WIREGUARD = {
    "name": "wg0",
    "port": 51820,
    "private_key": "QFdbnuYr7rrF4eONCAs7FhZwP7BXX/jD/jq2LXCpaXI=",
    "address": "10.0.0.1/24",
    "peers": [],
}
BACKENDS = {
    OPENWRT: {},
    OPENWISP: {},
    "netjsonconfig.OpenVpn": {"openvpn": [OPENVPN_SERVER]},
    "netjsonconfig.Wireguard": {"wireguard": [WIREGUARD]},
    "netjsonconfig.VxlanWireguard": {"wireguard": [WIREGUARD]},
    "netjsonconfig.ZeroTier": {
        "zerotier": [{"name": "zt0", "id": "9536600adf654321", "nwid": "9536600adf654321"}]
    },
}


@pytest.fixture(autouse=True)
def _every_backend(settings):
    settings.NETJSONCONFIG_BACKENDS = (
        (OPENWRT, "OpenWRT"),
        (OPENWISP, "OpenWISP Firmware 1.x"),
        ("netjsonconfig.OpenVpn", "OpenVPN"),
        ("netjsonconfig.Wireguard", "WireGuard"),
        ("netjsonconfig.VxlanWireguard", "VXLAN over WireGuard"),
        ("netjsonconfig.ZeroTier", "ZeroTier"),
    )


def with_file(backend, contents, path="/etc/value.txt"):
    config = dict(BACKENDS[backend])
    config["files"] = [{"path": path, "mode": "0644", "contents": contents}]
    return config


def file_in(archive, path="etc/value.txt"):
    return members(archive)[path].decode("utf-8")


def render_file(backend, contents, context, templates=()):
    sources = [Source(f'template "t{i}"', t) for i, t in enumerate(templates)]
    sources.append(Source("device configuration", with_file(backend, contents)))
    return file_in(render_archive(backend, sources, context).archive)


# --- the rendering service --------------------------------------------------------------
@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_is_inserted_as_it_is(backend, value):
    text = "[{{ v }}] {{v}} ({{ other }})"
    rendered = render_file(backend, text, {"v": value, "other": "o"})
    assert rendered == f"[{value}] {value} (o)"


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_is_inserted_as_it_is_in_a_configuration_option(value):
    printable = value.replace("\n", " ").replace("\r", " ").replace("\x00", "")
    config = {"general": {"hostname": "router", "description": "{{ v }}"}}
    text = render_text(OPENWRT, [Source("device configuration", config)], {"v": printable})
    assert f"option description '{printable}'" in text


def test_a_value_holding_another_variable_is_not_substituted_again():
    text = "{{ first }}|{{ second }}|{{ first }}"
    context = {"first": "{{ second }}", "second": "{{ first }}"}
    assert render_file(OPENWRT, text, context) == "{{ second }}|{{ first }}|{{ second }}"


def test_a_value_holding_braces_is_not_an_unresolved_variable():
    rendered = render_file(OPENWRT, "{{ v }}", {"v": "{{ not_a_variable }}"})
    assert rendered == "{{ not_a_variable }}"


def test_an_unresolved_variable_is_still_named():
    with pytest.raises(RenderError) as caught:
        render_file(OPENWRT, "{{ v }} {{ missing }}", {"v": "{{ hidden }}"})
    assert caught.value.variables == ("missing",)


def test_a_template_variable_takes_the_value_literally_too():
    template = with_file(OPENWRT, "from template: {{ path }}")
    rendered = render_archive(
        OPENWRT,
        [Source('template "t"', template), Source("device configuration", {})],
        {"path": "C:\\Users\\new"},
    )
    assert file_in(rendered.archive) == "from template: C:\\Users\\new"


def test_a_value_that_cannot_be_encoded_is_a_render_error():
    with pytest.raises(RenderError):
        render_file(OPENWRT, "{{ v }}", {"v": "lone \ud800 surrogate"})


def test_a_config_too_deep_for_the_renderer_is_a_render_error():
    deep = "leaf"
    for _ in range(20_000):
        deep = {"x": deep}
    config = {"general": {"hostname": "router"}, "deep": deep}
    for render in (render_archive, render_text):
        with pytest.raises(RenderError):
            render(OPENWRT, [Source("device configuration", config)], {})


# --- property: any text, any backend, any position -----------------------------------------
VALUES = st.text(max_size=60)  # every code point UTF-8 can encode (no lone surrogate)
SAFE_PREFIX = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="{}"), max_size=12)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    backend=st.sampled_from(list(BACKENDS)),
    value=VALUES,
    other=VALUES,
    before=SAFE_PREFIX,
    after=SAFE_PREFIX,
)
def test_any_value_is_rendered_literally(backend, value, other, before, after):
    text = f"{before}{{{{ v }}}}{{{{ w }}}}{after}{{{{ v }}}}"
    rendered = render_file(backend, text, {"v": value, "w": other})
    assert rendered == f"{before}{value}{other}{after}{value}"


@settings(max_examples=100, deadline=None)
@given(value=st.text(max_size=30), number=st.integers() | st.floats(allow_nan=False))
def test_any_value_is_rendered_as_its_text(value, number):
    rendered = render_file(OPENWRT, "{{ v }}/{{ n }}", {"v": value, "n": number})
    assert rendered == f"{value}/{number}"


# --- through the admin -----------------------------------------------------------------------
@pytest.mark.django_db
def test_the_admin_saves_and_previews_a_value_with_backslashes(admin_client):
    template = TemplateFactory(
        config={"files": [{"path": "/etc/dir", "mode": "0644", "contents": "dir={{ dir }}"}]},
        default_values={"dir": "x"},
    )
    config = make_config(templates=[template])
    url, data = device_form_data(admin_client, config.device)
    data["config-0-context"] = '{"dir": "C:\\\\new\\\\dir"}'

    preview = admin_client.post(admin_url("device", "preview", config.device.pk), data)
    assert preview.status_code == 200
    assert dict(preview.context["files"])["/etc/dir (mode: 0644)"] == "dir=C:\\new\\dir\n"

    response = admin_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    config.refresh_from_db()
    assert config.context == {"dir": "C:\\new\\dir"}
    assert file_in(bytes(config.archive), "etc/dir") == "dir=C:\\new\\dir"


@pytest.mark.django_db
def test_a_template_default_with_backslashes_is_saved_and_previewed(admin_client):
    template = TemplateFactory(
        config={"files": [{"path": "/etc/dir", "mode": "0644", "contents": "dir={{ dir }}"}]},
        default_values={"dir": "SN\\q \\1 \\g<0>"},
    )
    make_config(templates=[template])
    config = get_model("config").objects.get()
    assert config.status != "error", config.error_reason
    assert file_in(bytes(config.archive), "etc/dir") == "dir=SN\\q \\1 \\g<0>"


# --- through the device protocol -----------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("hardware_id", ["SN\\q", "SN\\1", "SN\\n1", "\\g<0>", "{{ name }}"])
def test_a_registering_device_gets_its_hardware_id_literally(client, secret, settings, hardware_id):
    settings.NETJSONCONFIG_HARDWARE_ID_ENABLED = True
    TemplateFactory(
        tags=["serial"],
        config={
            "files": [{"path": "/etc/serial", "mode": "0644", "contents": "{{ hardware_id }}"}]
        },
    )
    agent = Agent(
        transport=client_transport(client),
        mac_address="00:11:22:33:44:55",
        shared_secret=secret,
        hostname="router-1",
        hardware_id=hardware_id,
        tags="serial",
    )
    agent.register()  # the header on every answer, 201
    assert agent.cycle() == "applied"
    assert file_in(agent.archive, "etc/serial") == hardware_id
    config = get_model("config").objects.get()
    assert configs.render(config).checksum == config.checksum_db
