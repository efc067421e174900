"""``config_modified``: sent when the rendered configuration of a device changes.

Arguments: ``instance`` (Config), ``previous_status``, ``action`` (one of
``config_changed``, ``related_template_changed``, ``m2m_templates_changed``),
plus ``config`` and ``device`` for compatibility. Not sent on creation, nor
for ``post_clear``, nor when a change leaves the rendered output as it was.
"""

from functools import partial

import pytest
from django.db import transaction

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs, groups

from ..factories import (
    OPENWRT,
    DeviceFactory,
    DeviceGroupFactory,
    TemplateFactory,
    extra_fields,
    make_config,
)
from ..helpers import applied
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db

ROME = {"general": {"timezone": "Europe/Rome"}}
BERLIN = {"general": {"timezone": "Europe/Berlin"}}


@pytest.fixture
def config_modified(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.config_modified, django_capture_on_commit_callbacks)


def assert_sent_for(call, config, action, previous_status):
    assert call.sender is get_model("config")
    assert call.instance.pk == config.pk
    assert call.action == action
    assert call.previous_status == previous_status
    assert call.config is call.instance
    assert call.device.pk == config.device.pk


# --- config_changed ----------------------------------------------------------------------
def test_changing_the_device_netjson_sends_config_changed_with_the_previous_status(
    config_modified,
):
    config = applied(make_config())
    with config_modified() as sent:
        config.config = ROME
        config.save()
    call = sent.one()
    assert_sent_for(call, config, "config_changed", previous_status="applied")
    assert call.instance.status == "modified"


def test_changing_the_device_netjson_through_the_service_sends_config_changed(config_modified):
    config = applied(make_config())
    with config_modified() as sent:
        config.config = ROME
        configs.save(config)
    assert_sent_for(sent.one(), config, "config_changed", previous_status="applied")


def test_a_config_already_modified_gets_the_signal_again_with_previous_status_modified(
    config_modified,
):
    config = make_config()
    assert config.status == "modified"
    with config_modified() as sent:
        config.config = ROME
        config.save()
        config.config = BERLIN
        config.save()
    assert len(sent) == 2
    for call in sent:
        assert_sent_for(call, config, "config_changed", previous_status="modified")


def test_changing_the_variables_used_by_the_config_sends_config_changed(config_modified):
    config = make_config(config={"general": {"timezone": "{{ tz }}"}}, context={"tz": "UTC"})
    with config_modified() as sent:
        config.context = {"tz": "Europe/Rome"}
        config.save()
    assert_sent_for(sent.one(), config, "config_changed", previous_status="modified")


def test_renaming_the_device_changes_its_hostname_and_sends_config_changed(config_modified):
    config = applied(make_config())
    device = config.device
    with config_modified() as sent:
        device.name = "renamed-router"
        device.save()
    assert_sent_for(sent.one(), config, "config_changed", previous_status="applied")


# --- related_template_changed --------------------------------------------------------------
def test_editing_a_template_used_by_the_device_sends_related_template_changed(config_modified):
    template = TemplateFactory()
    config = applied(make_config(templates=[template]))
    with config_modified() as sent:
        template.config = ROME
        template.save()
    call = sent.one()
    assert_sent_for(call, config, "related_template_changed", previous_status="applied")
    assert call.instance.status == "modified"


def test_editing_a_template_sends_the_signal_once_for_each_device_that_uses_it(config_modified):
    template = TemplateFactory()
    first = make_config(templates=[template])
    second = make_config(templates=[template])
    with config_modified() as sent:
        template.config = ROME
        template.save()
    assert {call.instance.pk for call in sent} == {first.pk, second.pk}
    assert len(sent) == 2
    assert {call.action for call in sent} == {"related_template_changed"}


def test_editing_a_template_no_device_uses_sends_nothing(config_modified):
    template = TemplateFactory()
    make_config()
    with config_modified() as sent:
        template.config = ROME
        template.save()
    sent.none()


def test_editing_a_template_field_that_is_not_rendered_sends_nothing(config_modified):
    template = TemplateFactory()
    make_config(templates=[template])
    with config_modified() as sent:
        template.notes = "only a note"
        template.name = "renamed-template"
        template.save()
    sent.none()


# --- m2m_templates_changed ------------------------------------------------------------------
def test_adding_a_template_sends_m2m_templates_changed(config_modified):
    config = applied(make_config())
    template = TemplateFactory(config=ROME)
    with config_modified() as sent:
        config.templates.add(template)
    assert_sent_for(sent.one(), config, "m2m_templates_changed", previous_status="applied")


def test_removing_a_template_sends_m2m_templates_changed(config_modified):
    template = TemplateFactory(config=ROME)
    config = applied(make_config(templates=[template]))
    with config_modified() as sent:
        config.templates.remove(template)
    assert_sent_for(sent.one(), config, "m2m_templates_changed", previous_status="applied")


def test_reordering_the_templates_through_the_service_sends_m2m_templates_changed(
    config_modified,
):
    rome, berlin = TemplateFactory(config=ROME), TemplateFactory(config=BERLIN)
    config = applied(make_config(templates=[rome, berlin]))
    with config_modified() as sent:
        configs.save(config, templates=[berlin, rome])
    assert_sent_for(sent.one(), config, "m2m_templates_changed", previous_status="applied")
    assert list(config.templates.all()) == [berlin, rome]


def test_reordering_the_templates_with_set_sends_the_signal_once_despite_the_clear(
    config_modified,
):
    rome, berlin = TemplateFactory(config=ROME), TemplateFactory(config=BERLIN)
    config = make_config(templates=[rome, berlin])
    with config_modified() as sent:
        config.templates.set([berlin, rome])  # sortedm2m: clear, then add
    assert_sent_for(sent.one(), config, "m2m_templates_changed", previous_status="modified")


def test_adding_a_template_through_the_service_sends_m2m_templates_changed(config_modified):
    rome = TemplateFactory(config=ROME)
    config = make_config()
    with config_modified() as sent:
        configs.save(config, templates=[rome])
    assert_sent_for(sent.one(), config, "m2m_templates_changed", previous_status="modified")


def test_deleting_a_template_used_by_the_device_sends_m2m_templates_changed(config_modified):
    template = TemplateFactory(config=ROME)
    config = make_config(templates=[template])
    with config_modified() as sent:
        template.delete()
    assert_sent_for(sent.one(), config, "m2m_templates_changed", previous_status="modified")


def test_a_new_template_of_the_device_group_sends_m2m_templates_changed(config_modified):
    group = DeviceGroupFactory()
    config = applied(make_config(DeviceFactory(group=group)))
    template = TemplateFactory(config=ROME)
    with config_modified() as sent:
        group.templates.add(template)
    assert_sent_for(sent.one(), config, "m2m_templates_changed", previous_status="applied")


# --- when it is not sent -----------------------------------------------------------------------
def test_creating_a_config_through_the_service_sends_nothing(config_modified):
    template = TemplateFactory(config=ROME)
    TemplateFactory(config=BERLIN, default=True)
    with config_modified() as sent:
        make_config(config={"general": {"timezone": "UTC"}}, templates=[template])
    sent.none()


def test_creating_a_config_with_the_orm_sends_nothing(config_modified):
    TemplateFactory(config=ROME, default=True)
    device = DeviceFactory()
    with config_modified() as sent:
        config = get_model("config").objects.create(
            **extra_fields(get_model("config"), device=device, backend=OPENWRT, config=BERLIN)
        )
    sent.none()
    assert config.checksum_db


def test_a_device_registering_for_the_first_time_sends_nothing(
    config_modified, device_client, secret
):
    TemplateFactory(config=ROME, default=True)
    with config_modified() as sent:
        response = device_client.post(
            "/controller/register/",
            {
                "secret": secret,
                "name": "new-router",
                "mac_address": "00:11:22:33:44:55",
                "backend": OPENWRT,
            },
        )
    assert response.status_code == 201
    sent.none()


def test_a_device_registering_with_tags_of_a_template_sends_nothing(
    config_modified, device_client, secret
):
    TemplateFactory(config=ROME, tags=["mesh"])
    with config_modified() as sent:
        response = device_client.post(
            "/controller/register/",
            {
                "secret": secret,
                "name": "tagged-router",
                "mac_address": "00:11:22:33:44:66",
                "backend": OPENWRT,
                "tags": "mesh",
            },
        )
    assert response.status_code == 201
    sent.none()
    config = get_model("config").objects.get(device__mac_address="00:11:22:33:44:66")
    assert [t.tags for t in config.templates.all()] == [["mesh"]]


def test_a_change_that_does_not_alter_the_rendered_output_sends_nothing(config_modified):
    config = make_config(config=ROME)
    with config_modified() as sent:
        config.context = {"unused_variable": "some value"}
        config.save()
        config.config = {"general": {"timezone": "Europe/Rome"}}  # equal, new object
        config.save()
    sent.none()


def test_saving_through_the_service_with_the_same_templates_sends_nothing(config_modified):
    rome = TemplateFactory(config=ROME)
    config = make_config(templates=[rome])
    with config_modified() as sent:
        configs.save(config, templates=[rome])
        configs.save(config)
    sent.none()


def test_adding_a_template_that_does_not_alter_the_rendered_output_sends_nothing(
    config_modified,
):
    config = make_config(config=ROME)
    same = TemplateFactory(config=ROME)  # the device's own NetJSON overrides it anyway
    with config_modified() as sent:
        config.templates.add(same)
    sent.none()


def test_clearing_the_templates_sends_nothing(config_modified):
    rome, berlin = TemplateFactory(config=ROME), TemplateFactory(config=BERLIN)
    config = applied(make_config(templates=[rome, berlin]))
    with config_modified() as sent:
        config.templates.clear()
    sent.none()


def test_changing_the_templates_of_a_group_without_devices_sends_nothing(config_modified):
    group = DeviceGroupFactory()
    make_config()
    template = TemplateFactory(config=ROME)
    with config_modified() as sent:
        groups.templates_changed(group, [], [template])
    sent.none()


# --- on commit -------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_signal_is_sent_only_when_the_transaction_commits():
    config = make_config()
    with catch_signal(signals.config_modified) as sent:
        with transaction.atomic():
            config.config = ROME
            config.save()
            assert len(sent) == 0
        assert_sent_for(sent.one(), config, "config_changed", previous_status="modified")


@pytest.mark.django_db(transaction=True)
def test_the_signal_is_not_sent_when_the_transaction_rolls_back():
    config = make_config()
    with catch_signal(signals.config_modified) as sent:
        with pytest.raises(RuntimeError), transaction.atomic():
            config.config = ROME
            config.save()
            raise RuntimeError("rolled back")
    sent.none()
