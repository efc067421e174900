import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db
OPENWISP = "netjsonconfig.OpenWisp"


def names(config):
    return [t.name for t in config.templates.all()]


def test_default_templates_of_the_same_backend_are_added_to_new_configs():
    TemplateFactory(name="b-default", default=True)
    TemplateFactory(name="a-required", required=True)
    TemplateFactory(name="other-backend", default=True, backend=OPENWISP)
    TemplateFactory(name="not-default")
    config = make_config()
    assert names(config) == ["a-required", "b-default"]


def test_the_chosen_templates_keep_their_order_after_the_required_ones():
    required = TemplateFactory(name="required", required=True)
    first, second = TemplateFactory(name="z"), TemplateFactory(name="y")
    config = make_config(templates=[first, second])
    assert names(config) == [required.name, "z", "y"]


def test_required_templates_cannot_be_removed_by_the_service():
    required = TemplateFactory(required=True)
    config = make_config()
    with pytest.raises(ValidationError, match="required templates cannot be removed"):
        configs.save(config, templates=[])
    assert list(config.templates.all()) == [required]


def test_required_templates_cannot_be_removed_from_the_relation():
    required = TemplateFactory(required=True)
    config = make_config()
    with pytest.raises(ValidationError), transaction.atomic():
        config.templates.remove(required)
    assert list(config.templates.all()) == [required]


def test_a_new_required_template_reaches_existing_configs():
    config = make_config()
    required = TemplateFactory(required=True)
    assert list(config.templates.all()) == [required]


def test_a_template_of_another_backend_is_refused():
    config = make_config()
    other = TemplateFactory(backend=OPENWISP)
    with pytest.raises(ValidationError) as error:
        configs.validate(config, [other])
    assert "templates" in error.value.message_dict
    assert other.name in str(error.value)


def test_a_schema_error_names_the_path_and_the_template_it_comes_from():
    bad = TemplateFactory(
        name="broken-radio",
        config={"interfaces": [{"name": "eth0", "type": "ethernet", "mtu": "big"}]},
    )
    config = make_config()
    with pytest.raises(ValidationError) as error:
        configs.validate(config, [bad])
    message = error.value.message_dict["config"][0]
    assert "interfaces[0]" in message
    assert 'template "broken-radio"' in message


def test_a_schema_error_in_the_device_config_names_it():
    config = make_config()
    config.config = {"general": {"timezone": 5}}
    with pytest.raises(ValidationError) as error:
        configs.validate(config, [])
    message = error.value.message_dict["config"][0]
    assert "general.timezone" in message
    assert "device configuration" in message


def test_changing_the_group_swaps_the_groups_templates():
    old_template, new_template = TemplateFactory(name="old"), TemplateFactory(name="new")
    own = TemplateFactory(name="own")
    old_group = DeviceGroupFactory()
    old_group.templates.set([old_template])
    new_group = DeviceGroupFactory()
    new_group.templates.set([new_template])
    device = DeviceFactory(group=old_group)
    config = make_config(device, templates=[own])
    assert names(config) == ["old", "own"]
    device.group = new_group
    device.save()
    assert names(config) == ["own", "new"]


def test_changing_the_backend_drops_templates_of_the_old_one():
    config = make_config(templates=[TemplateFactory()])
    openwisp_required = TemplateFactory(backend=OPENWISP, required=True)
    config.backend = OPENWISP
    config.save()
    assert list(config.templates.all()) == [openwisp_required]


def test_deleting_a_template_re_renders_the_configs_that_used_it():
    template = TemplateFactory(config={"general": {"timezone": "Asia/Tokyo"}})
    config = make_config(templates=[template])
    before = config.checksum_db
    template.delete()
    config.refresh_from_db()
    assert config.checksum_db != before


def test_the_group_variables_reach_the_config():
    template = TemplateFactory(config={"general": {"timezone": "{{ tz }}"}})
    group = DeviceGroupFactory(context={"tz": "Europe/Rome"})
    config = make_config(DeviceFactory(group=group), templates=[template])
    before = config.checksum_db
    group.context = {"tz": "Asia/Tokyo"}
    group.save()
    config.refresh_from_db()
    assert config.checksum_db != before
    assert config.status == "modified"


def test_a_config_is_unique_per_device():
    config = make_config()
    duplicate = get_model("config")(device=config.device, backend=config.backend)
    with pytest.raises(ValidationError):
        duplicate.validate_unique()


def test_the_backend_can_change_while_the_old_one_has_a_required_template():
    required = TemplateFactory(required=True)
    config = make_config()
    assert list(config.templates.all()) == [required]
    config.backend = OPENWISP
    configs.save(config, templates=[])
    assert list(config.templates.all()) == []
