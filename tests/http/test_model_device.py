import pytest
from django.core.exceptions import ValidationError

from django_netjsonconfig.base.device import consistent_key

from ..factories import DeviceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["router", "ap-1.office.example.com", "00:11:22:33:44:55"])
def test_a_hostname_or_a_mac_is_a_valid_name(name):
    device = DeviceFactory.build(name=name)
    device.full_clean(exclude=["organization"])


@pytest.mark.parametrize("name", ["bad name", "-router", "a" * 64, "router_1!", ""])
def test_other_names_are_refused(name):
    device = DeviceFactory.build(name=name)
    with pytest.raises(ValidationError) as error:
        device.full_clean(exclude=["organization"])
    assert "name" in error.value.message_dict


def test_names_are_unique_ignoring_case():
    DeviceFactory(name="Router")
    device = DeviceFactory.build(name="rOUTER")
    with pytest.raises(ValidationError, match="already exists"):
        device.full_clean(exclude=["organization"])


def test_the_mac_address_is_normalized():
    device = DeviceFactory(mac_address="aa-bb-cc-dd-ee-0f")
    assert device.mac_address == "AA:BB:CC:DD:EE:0F"


def test_the_mac_address_is_unique_whatever_its_spelling():
    DeviceFactory(mac_address="AA:BB:CC:DD:EE:0F")
    device = DeviceFactory.build(mac_address="aabbccddee0f")
    with pytest.raises(ValidationError) as error:
        device.full_clean(exclude=["organization"])
    assert "mac_address" in error.value.message_dict


def test_an_invalid_mac_is_refused():
    device = DeviceFactory.build(mac_address="00:11:22:33:44")
    with pytest.raises(ValidationError) as error:
        device.full_clean(exclude=["organization"])
    assert "mac_address" in error.value.message_dict


def test_the_key_is_the_agents_consistent_key(settings):
    device = DeviceFactory(mac_address="00:11:22:aa:bb:cc")
    assert device.key == consistent_key("00:11:22:AA:BB:CC", settings.NETJSONCONFIG_SHARED_SECRET)


def test_without_consistent_registration_the_key_is_random(settings):
    settings.NETJSONCONFIG_CONSISTENT_REGISTRATION = False
    first = DeviceFactory(mac_address="00:11:22:aa:bb:cc")
    assert first.key != consistent_key("00:11:22:AA:BB:CC", settings.NETJSONCONFIG_SHARED_SECRET)
    assert len(first.key) == 32


def test_the_hardware_id_makes_the_key_when_enabled(settings):
    settings.NETJSONCONFIG_HARDWARE_ID_ENABLED = True
    device = DeviceFactory(hardware_id="SN12345")
    assert device.key == consistent_key("SN12345", settings.NETJSONCONFIG_SHARED_SECRET)
    assert str(device) == "SN12345"


def test_a_key_with_spaces_or_slashes_is_refused():
    device = DeviceFactory.build(key="a b/c")
    with pytest.raises(ValidationError) as error:
        device.full_clean(exclude=["organization"])
    assert "key" in error.value.message_dict
