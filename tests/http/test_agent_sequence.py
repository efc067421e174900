"""The stock agent's whole sequence, spoken by the stand-in agent (tests/agent.py)."""

import io
import tarfile

import pytest

from django_netjsonconfig.apps import get_model

from ..agent import Agent, DeviceGone, client_transport
from ..factories import TemplateFactory
from ..helpers import config_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(device_client, secret):
    return Agent(
        transport=client_transport(device_client),
        mac_address="00:11:22:aa:bb:cc",
        shared_secret=secret,
        hostname="OpenWrt",
        os="OpenWrt 23.05.3",
        model="TP-Link Archer C7 v5",
        system="Qualcomm Atheros QCA956X",
        test_config=True,
    )


def test_register_download_apply_and_report(agent):
    TemplateFactory(default=True, config={"general": {"timezone": "Europe/Rome"}})
    agent.register()
    assert agent.is_new
    assert agent.name == "00:11:22:AA:BB:CC"
    assert agent.cycle() == "applied"
    assert config_of(agent.uuid).status == "applied"
    files = tarfile.open(fileobj=io.BytesIO(agent.archive), mode="r:gz").getnames()
    assert "etc/config/system" in files
    assert agent.cycle() == "unchanged"


def test_editing_a_used_template_sets_modified_and_the_device_gets_it(agent):
    template = TemplateFactory(default=True, config={"general": {"timezone": "Europe/Rome"}})
    agent.register()
    agent.cycle()
    before = agent.checksum_stored
    template.config = {"general": {"timezone": "Asia/Tokyo"}}
    template.save()
    assert config_of(agent.uuid).status == "modified"
    assert agent.cycle() == "applied"
    assert agent.checksum_stored != before
    assert config_of(agent.uuid).status == "applied"


def test_a_save_that_changes_nothing_keeps_the_status_applied(agent):
    template = TemplateFactory(default=True, config={"general": {"timezone": "Europe/Rome"}})
    agent.register()
    agent.cycle()
    template.notes = "only the notes changed"
    template.config = {"general": {"timezone": "Europe/Rome"}}
    template.save()
    assert config_of(agent.uuid).status == "applied"
    assert agent.cycle() == "unchanged"


def test_an_apply_error_is_reported_with_its_reason(agent):
    agent.register()
    assert agent.cycle(apply=lambda archive: "uci: Parse error") == "error"
    config = config_of(agent.uuid)
    assert (config.status, config.error_reason) == ("error", "uci: Parse error")


def test_a_reflashed_device_registers_again_as_the_same_device(agent, device_client, secret):
    agent.register()
    first = agent.uuid
    reflashed = Agent(
        transport=client_transport(device_client),
        mac_address="00:11:22:aa:bb:cc",
        shared_secret=secret,
    )
    reflashed.register()
    assert reflashed.uuid == first
    assert not reflashed.is_new


def test_a_deleted_device_gets_404(agent):
    agent.register()
    get_model("device").objects.filter(pk=agent.uuid).delete()
    with pytest.raises(DeviceGone):
        agent.checksum()


def test_update_info_after_a_firmware_upgrade(agent):
    agent.register()
    agent.os = "OpenWrt 24.10.0"
    agent.update_info()
    assert get_model("device").objects.get(pk=agent.uuid).os == "OpenWrt 24.10.0"
