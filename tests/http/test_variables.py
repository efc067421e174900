"""Variable precedence, lowest first: template defaults (in order) < NETJSONCONFIG_CONTEXT
< group variables < predefined < device variables."""

import hashlib
import io
import tarfile

import pytest
from django.core.exceptions import ValidationError

from django_netjsonconfig.devices import configs
from django_netjsonconfig.rendering import context

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db


def system_file(config):
    archive = configs.render(config).archive
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        return tar.extractfile("etc/config/system").read().decode()


def timezone_template(**kwargs):
    return TemplateFactory(config={"general": {"timezone": "{{ tz }}"}}, **kwargs)


def test_a_later_templates_default_wins_over_an_earlier_one():
    first = timezone_template(default_values={"tz": "Europe/Rome"})
    second = TemplateFactory(config={"general": {}}, default_values={"tz": "Asia/Tokyo"})
    config = make_config(templates=[first, second])
    assert "Asia/Tokyo" in system_file(config)


def test_global_variables_override_template_defaults(settings):
    settings.NETJSONCONFIG_CONTEXT = {"tz": "America/Lima"}
    config = make_config(templates=[timezone_template(default_values={"tz": "Europe/Rome"})])
    assert "America/Lima" in system_file(config)


def test_group_variables_override_global_ones(settings):
    settings.NETJSONCONFIG_CONTEXT = {"tz": "America/Lima"}
    group = DeviceGroupFactory(context={"tz": "Africa/Cairo"})
    config = make_config(DeviceFactory(group=group), templates=[timezone_template()])
    assert "Africa/Cairo" in system_file(config)


def test_predefined_variables_override_group_ones():
    group = DeviceGroupFactory(context={"name": "from-group"})
    device = DeviceFactory(group=group, name="real-name")
    template = TemplateFactory(config={"general": {"description": "{{ name }}"}})
    config = make_config(device, templates=[template])
    assert "real-name" in system_file(config)


def test_device_variables_override_everything(settings):
    settings.NETJSONCONFIG_CONTEXT = {"tz": "America/Lima"}
    group = DeviceGroupFactory(context={"tz": "Africa/Cairo"})
    config = make_config(
        DeviceFactory(group=group), templates=[timezone_template()], context={"tz": "UTC"}
    )
    assert "option timezone 'UTC'" in system_file(config)


def test_every_predefined_variable_is_available():
    device = DeviceFactory(hardware_id="SN1")
    values = context.predefined_context(device)
    assert values == {
        "id": str(device.pk),
        "key": device.key,
        "name": device.name,
        "mac_address": device.mac_address,
        "hardware_id": "SN1",
    }


def test_explain_tells_where_each_value_comes_from(settings):
    settings.NETJSONCONFIG_CONTEXT = {"tz": "America/Lima", "ntp": "pool.ntp.org"}
    template = timezone_template(default_values={"tz": "Europe/Rome"})
    config = make_config(templates=[template], context={"tz": "UTC"})
    found = {v.name: v for v in context.explain(configs.variable_layers(config))}
    assert (found["tz"].value, found["tz"].source) == ("UTC", "device")
    assert found["tz"].overridden == (f"template:{template.name}", "global")
    assert found["ntp"].source == "global"
    assert found["mac_address"].source == "predefined"


def test_an_unresolved_variable_is_an_error_naming_it():
    template = TemplateFactory(config={"general": {"timezone": "{{ nowhere }}"}})
    config = make_config()
    with pytest.raises(ValidationError) as error:
        configs.validate(config, [template])
    assert "nowhere" in error.value.message_dict["config"][0]


def test_the_hostname_is_the_device_name_unless_the_config_sets_one():
    device = DeviceFactory(name="00:11:22:33:44:55")
    config = make_config(device)
    assert "option hostname '00-11-22-33-44-55'" in system_file(config)
    config.config = {"general": {"hostname": "chosen"}}
    assert "option hostname 'chosen'" in system_file(config)


def test_changing_the_global_context_reaches_the_devices(settings, device_client):
    config = make_config(templates=[timezone_template(default_values={"tz": "Europe/Rome"})])
    device = config.device
    before = config.checksum_db
    settings.NETJSONCONFIG_CONTEXT = {"tz": "Asia/Tokyo"}  # as after a restart with new settings
    checksum = device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    archive = device_client.get(f"/controller/download-config/{device.pk}/", {"key": device.key})
    assert checksum.content.decode() != before
    assert checksum.content.decode() == hashlib.md5(archive.content).hexdigest()
    config.refresh_from_db()
    assert config.status == "modified"
