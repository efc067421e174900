"""A device name that validates renders: the name rule is the hostname the backends take.

The device name is the configuration's hostname (``general.hostname``) unless the
configuration sets one. A one-character name used to pass validation and then fail
every render (``'x' is not a 'hostname'``). The rule now stays inside what the
backends' schemas accept, everywhere a device gets its name: the model, the admin,
registration and import.
"""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.io import importexport
from django_netjsonconfig.rendering.render import RenderError, Source, render_archive
from django_netjsonconfig.validators import device_name_validator

from ..admin_helpers import device_form_data, errors_of
from ..factories import DeviceFactory, make_config
from ..helpers import parse_lines, register

OPENWRT = "netjsonconfig.OpenWrt"
OPENWISP = "netjsonconfig.OpenWisp"

VALID = [
    "ab",
    "12",
    "a1",
    "router-1",
    "Router-1",
    "a" * 63,
    "a-b",
    "a.b",
    "ab.",
    "a" * 62 + ".",
    "a" * 31 + "." + "b" * 31,
    "office.example.org",
    "00:11:22:33:44:55",
    "00-11-22-33-44-55",
    "001122334455",
]
INVALID = [
    "",
    "x",
    "1",
    ".",
    "a" * 64,
    "a" * 63 + ".",
    "a" * 32 + "." + "b" * 31,
    "a..b",
    ".ab",
    "ab..",
    "-router",
    "router-",
    "rou_ter",
    "_router",
    "router name",
    "router\n",
    "router\r\n",
    "\nrouter",
    "café",
    "роутер",
    "ｒｏｕｔｅｒ",  # fullwidth letters
    "router١",  # an Arabic-Indic digit
    "router\x00",
    "a.-b",
    "a-.b",
]


def renders(name, backend=OPENWRT):
    """Whether a configuration with this device name as hostname renders."""
    device = get_model("device")(name=name, mac_address="00:11:22:33:44:55")
    config = get_model("config")(device=device, backend=backend, config={})
    netjson = configs.device_netjson(config, device)
    try:
        render_archive(backend, [Source("device configuration", netjson)], {})
    except RenderError:
        return False
    return True


def valid(name):
    try:
        device_name_validator(name)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("name", VALID)
def test_a_valid_name_renders_with_every_backend(name):
    assert valid(name)
    assert renders(name, OPENWRT) and renders(name, OPENWISP)


@pytest.mark.parametrize("name", INVALID)
def test_an_invalid_name_is_refused(name):
    assert not valid(name)


@pytest.mark.parametrize("name", ["x", "a" * 32 + "." + "b" * 31, "a" * 63 + "."])
def test_the_names_that_validated_but_did_not_render(name):
    """What the old rule let through, and why it must not pass."""
    assert not renders(name)
    assert not valid(name)


HOSTNAME_LIKE = st.from_regex(r"\A[A-Za-z0-9._\-:]{0,70}\Z")


@settings(max_examples=400, deadline=None)
@given(name=HOSTNAME_LIKE | st.text(max_size=70))
def test_any_name_that_validates_renders(name):
    if valid(name):
        assert renders(name), name


# --- everywhere a device gets its name ------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("name, ok", [("x", False), ("ab", True), ("a" * 64, False)])
def test_the_model_validates_the_rule(name, ok):
    device = get_model("device")(name=name, mac_address="00:11:22:33:44:55")
    if ok:
        device.full_clean()
    else:
        with pytest.raises(ValidationError) as caught:
            device.full_clean()
        assert "name" in caught.value.message_dict


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["x", "-router", "router.", "a" * 31 + "." + "b" * 32])
def test_the_admin_refuses_an_invalid_name_and_saves_a_valid_one(admin_client, name):
    config = make_config(DeviceFactory(name="before"))
    url, data = device_form_data(admin_client, config.device)
    data["name"] = name
    response = admin_client.post(url, data)
    if valid(name):
        assert response.status_code == 302, errors_of(response)
        config.refresh_from_db()
        assert config.status != "error", config.error_reason
    else:
        assert response.status_code == 200
        assert "name" in errors_of(response)
        assert get_model("device").objects.get(pk=config.device.pk).name == "before"


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["x", "a" * 32 + "." + "b" * 31])
def test_registration_refuses_a_name_that_cannot_render(client, secret, name):
    response = register(client, secret, name=name)
    assert response.status_code == 400
    assert response["X-Openwisp-Controller"] == "true"
    assert "name" in response.content.decode()
    assert not get_model("device").objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["ab", "a" * 63, "a" * 31 + "." + "b" * 31])
def test_registration_with_an_edge_name_renders(client, secret, name):
    answer = parse_lines(register(client, secret, name=name))
    device = get_model("device").objects.get(pk=answer["uuid"])
    assert device.name == name
    assert device.config.status != "error", device.config.error_reason


@pytest.mark.django_db
def test_import_refuses_a_name_that_cannot_render():
    content = (
        "name,mac_address,backend\nx,00:11:22:33:44:01,OpenWRT\nab,00:11:22:33:44:02,OpenWRT\n"
    )
    result = importexport.import_devices(content, "csv")
    assert result.created == 0
    assert [(error.row, error.field) for error in result.errors] == [(1, "name")]
    fixed = content.replace("\nx,", "\nxy,")
    result = importexport.import_devices(fixed, "csv")
    assert result.created == 2 and not result.errors
    for config in get_model("config").objects.all():
        assert config.status != "error", config.error_reason
