"""``group_templates_changed``: sent when the templates of a device group change.

Arguments: ``instance`` (DeviceGroup), ``templates`` and ``old_templates``
(lists of Template, in order). Not sent when nothing changed.
"""

from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import groups

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates_changed(django_capture_on_commit_callbacks):
    return partial(
        catch_signal, signals.group_templates_changed, django_capture_on_commit_callbacks
    )


def assert_sent_for(call, group, templates, old_templates):
    assert call.sender is get_model("devicegroup")
    assert call.instance.pk == group.pk
    assert isinstance(call.templates, list)
    assert isinstance(call.old_templates, list)
    assert [t.pk for t in call.templates] == [t.pk for t in templates]
    assert [t.pk for t in call.old_templates] == [t.pk for t in old_templates]


# --- through the service ------------------------------------------------------------------
def test_the_service_sends_the_new_and_the_old_templates(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    with templates_changed() as sent:
        groups.templates_changed(group, [first], [first, second])
    assert_sent_for(sent.one(), group, [first, second], [first])


def test_the_service_sends_the_signal_when_the_order_changes(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    with templates_changed() as sent:
        groups.templates_changed(group, [first, second], [second, first])
    assert_sent_for(sent.one(), group, [second, first], [first, second])


def test_adding_a_template_to_a_group_with_devices_sends_the_signal_and_updates_them(
    templates_changed,
):
    template = TemplateFactory(config={"general": {"timezone": "Europe/Rome"}})
    group = DeviceGroupFactory()
    config = make_config(DeviceFactory(group=group))
    with templates_changed() as sent:
        group.templates.add(template)
    assert_sent_for(sent.one(), group, [template], [])
    assert list(config.templates.all()) == [template]


def test_the_service_sends_nothing_when_the_templates_are_the_same(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    with templates_changed() as sent:
        groups.templates_changed(group, [first, second], [first, second])
        groups.templates_changed(group, [], [])
    sent.none()


# --- through the m2m manager --------------------------------------------------------------
def test_adding_a_template_to_the_group_sends_the_signal(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first)
    with templates_changed() as sent:
        group.templates.add(second)
    assert_sent_for(sent.one(), group, [first, second], [first])


def test_removing_a_template_from_the_group_sends_the_signal(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    with templates_changed() as sent:
        group.templates.remove(first)
    assert_sent_for(sent.one(), group, [second], [first, second])


def test_clearing_the_templates_of_the_group_sends_the_signal(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    with templates_changed() as sent:
        group.templates.clear()
    assert_sent_for(sent.one(), group, [], [first, second])


def test_setting_the_templates_of_the_group_sends_the_signal_once(templates_changed):
    first, second, third = TemplateFactory(), TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    with templates_changed() as sent:
        group.templates.set([third, first])  # sortedm2m: clear, then add
    assert_sent_for(sent.one(), group, [third, first], [first, second])


def test_setting_the_templates_of_a_group_with_devices_sends_the_signal_once(templates_changed):
    first, second, third = TemplateFactory(), TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    config = make_config(DeviceFactory(group=group))
    with templates_changed() as sent:
        group.templates.set([third, first])
    assert_sent_for(sent.one(), group, [third, first], [first, second])
    assert list(config.templates.all()) == [third, first]


def test_setting_no_templates_sends_the_signal_with_an_empty_list(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    with templates_changed() as sent:
        group.templates.set([])
    assert_sent_for(sent.one(), group, [], [first, second])


def test_setting_the_same_templates_again_sends_nothing(templates_changed):
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    with templates_changed() as sent:
        group.templates.set([first, second])
    sent.none()


def test_adding_a_template_the_group_already_has_sends_nothing(templates_changed):
    template = TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(template)
    with templates_changed() as sent:
        group.templates.add(template)
    sent.none()


def test_removing_a_template_the_group_does_not_have_sends_nothing(templates_changed):
    template, other = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(template)
    with templates_changed() as sent:
        group.templates.remove(other)
    sent.none()


def test_saving_or_creating_a_group_sends_nothing(templates_changed):
    group = DeviceGroupFactory()
    with templates_changed() as sent:
        DeviceGroupFactory()
        group.description = "changed"
        group.context = {"ssid": "office"}
        group.save()
    sent.none()


# --- with real commits ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_with_real_commits_setting_the_templates_sends_the_signal_once():
    first, second, third = TemplateFactory(), TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    with catch_signal(signals.group_templates_changed) as sent:
        group.templates.set([third, first])
    assert_sent_for(sent.one(), group, [third, first], [first, second])


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_clearing_the_templates_sends_the_signal():
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first, second)
    with catch_signal(signals.group_templates_changed) as sent:
        group.templates.clear()
    assert_sent_for(sent.one(), group, [], [first, second])
