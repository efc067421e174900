"""Archives with non-ASCII text hold every byte of every file.

netjsonconfig 1.3.1 sizes each tar member by its number of characters, not bytes: a
description ``Café`` cuts ``etc/config/system`` one byte short (the device received
``option hostname 'a``). The archives served here are read back with Python's
``tarfile`` and each file compared with the text it must hold.
"""

import gzip
import hashlib
import io
import re
import tarfile

import netjsonconfig
import pytest
from django.urls import reverse

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.vpn import servers as vpns

from ..agent import Agent, client_transport
from ..factories import TemplateFactory, make_config
from ..helpers import members
from ..vpn_helpers import OPENVPN, make_vpn

pytestmark = pytest.mark.django_db

OPENWISP = "netjsonconfig.OpenWisp"

COMBINING = "e\u0301 n\u0303 a\u0308\u0304"  # letters and combining marks
EMOJI = "📶 🏳️‍🌈 👩🏽‍💻"  # astral characters, a ZWJ sequence, a skin tone
TEXTS = {
    "latin": "Café naïve façade",
    "emoji": EMOJI,
    "combining": COMBINING,
    "cjk": "東京の無線 네트워크",
    "rtl": "مرحبا שלום",
    "mixed": f"Grüße {EMOJI} {COMBINING} ß",
}


def uci_packages(text):
    """The UCI text netjsonconfig renders, as ``{package: contents}`` (the files of an
    OpenWrt archive: ``etc/config/<package>``)."""
    packages = {}
    for block in re.split(r"^package ", text, flags=re.M):
        if block.strip():
            name, _, contents = block.partition("\n\n")
            packages[name.strip()] = contents
    return packages


def device_config(text):
    return {
        "general": {"description": f"desc {text}"},
        "radios": [{"name": "radio0", "protocol": "802.11n", "channel": 1, "channel_width": 20}],
        "interfaces": [
            {
                "name": "wlan0",
                "type": "wireless",
                "wireless": {"radio": "radio0", "mode": "access_point", "ssid": f"{text}"[:32]},
            }
        ],
        "files": [
            {"path": "/etc/motd", "mode": "0644", "contents": f"motd {text}\n{{{{ greeting }}}}"}
        ],
    }


def agent_for(client, device):
    agent = Agent(transport=client_transport(client), mac_address=device.mac_address)
    agent.uuid, agent.key = device.pk.hex, device.key
    return agent


@pytest.mark.parametrize("kind", list(TEXTS))
def test_an_openwrt_archive_holds_every_file_whole(client, kind):
    text = TEXTS[kind]
    config = make_config(
        config=device_config(text),
        context={"greeting": f"hello {text}"},
    )
    config.device.name = "router-1"
    config.device.save()
    agent = agent_for(client, config.device)

    assert agent.cycle() == "applied"  # the checksum is the MD5 of the archive served
    files = members(agent.archive)

    # what netjsonconfig renders as text (not affected by the archive's sizes)
    reference = netjsonconfig.OpenWrt(
        config={**device_config(text), "general": {**device_config(text)["general"]}},
        context={"greeting": f"hello {text}"},
    )
    reference.config["general"]["hostname"] = "router-1"
    expected = {
        f"etc/config/{name}": contents
        for name, contents in uci_packages(reference.render(files=False)).items()
    }
    expected["etc/motd"] = f"motd {text}\nhello {text}"
    assert {name: data.decode("utf-8") for name, data in files.items()} == expected

    system = files["etc/config/system"].decode("utf-8")
    assert f"option description 'desc {text}'" in system
    assert system.rstrip("\n").endswith("option hostname 'router-1'")
    wireless = files["etc/config/wireless"].decode("utf-8")
    assert f"option ssid '{text[:32]}'" in wireless


def test_the_description_that_cut_the_hostname_short(client):
    """The case from the field: ``Café`` as description."""
    general = {"hostname": "ab", "description": "Café"}
    config = make_config(config={"general": general})
    agent = agent_for(client, config.device)
    assert agent.cycle() == "applied"
    system = members(agent.archive)["etc/config/system"].decode()
    assert system == "config system 'system'\n\toption description 'Café'\n\toption hostname 'ab'\n"
    # netjsonconfig's own archive of the same config is one byte short
    plain = netjsonconfig.OpenWrt(config={"general": general}).generate().getvalue()
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(plain))) as tar:
        truncated = tar.extractfile("etc/config/system").read()
    assert truncated == system.encode()[:-1]


def test_an_openwisp_archive_holds_every_file_whole(client):
    text = TEXTS["mixed"]
    template = TemplateFactory(backend=OPENWISP, config={"general": {"timezone": "UTC"}})
    config = make_config(
        backend=OPENWISP,
        config=device_config(text),
        context={"greeting": f"hello {text}"},
        templates=[template],
    )
    agent = agent_for(client, config.device)
    assert agent.cycle() == "applied"
    files = {name: data.decode("utf-8") for name, data in members(agent.archive).items()}

    reference = netjsonconfig.OpenWisp(
        config=device_config(text),
        templates=[{"general": {"timezone": "UTC"}}],
        context={"greeting": f"hello {text}"},
    )
    reference.config["general"]["hostname"] = config.device.name
    for name, contents in uci_packages(reference.render(files=False)).items():
        assert files[f"uci/{name}.conf"] == f"package {name}\n\n{contents}"
    assert files["etc/motd"] == f"motd {text}\nhello {text}"
    assert f"option 'description' 'desc {text}'" in files["uci/system.conf"]
    assert f"option 'ssid' '{text[:32]}'" in files["uci/wireless.conf"]
    assert {"install.sh", "uninstall.sh"} <= set(files)


def test_the_downloaded_archive_is_the_stored_one_and_matches_its_checksum(client):
    config = make_config(config=device_config(TEXTS["emoji"]), context={"greeting": "hi"})
    agent = agent_for(client, config.device)
    checksum = agent.checksum()
    archive = agent.download()
    config.refresh_from_db()
    assert hashlib.md5(archive).hexdigest() == checksum == config.checksum_db
    assert archive == bytes(config.archive)


def test_a_vpn_server_archive_holds_every_file_whole(client):
    vpn = make_vpn(OPENVPN, name="vpn-1")
    vpn.config = {
        **vpn.config,
        "files": [{"path": "/etc/openvpn/motd", "mode": "0644", "contents": TEXTS["mixed"]}],
    }
    vpn.full_clean()
    vpns.save(vpn)
    response = client.get(
        reverse("controller:vpn_download_config", args=[vpn.pk]), {"key": vpn.key}
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    files = members(content)
    assert files["etc/openvpn/motd"].decode("utf-8") == TEXTS["mixed"]
    vpn_model = get_model("vpn")
    assert hashlib.md5(content).hexdigest() == vpn_model.objects.get(pk=vpn.pk).checksum_db
