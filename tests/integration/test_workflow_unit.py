"""The unit of work: what a transaction records is done once, after it commits.

Real commits here (``transaction=True``): the unit is tied to the transaction, and
these tests show what happens at its commit, at its rollback and at a savepoint's.
"""

from collections import Counter

import pytest
from django.db import transaction

from django_netjsonconfig import queue, signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.workflow import unit

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db(transaction=True)

ZONES = ["Europe/Rome", "Europe/Berlin", "Asia/Tokyo", "America/Lima"]


class Boom(Exception):
    pass


@pytest.fixture
def renders():
    """How many times each config (by pk) was rendered."""
    counted = Counter()

    def count(config, templates):
        counted[config.pk] += 1

    configs.before_render.register("test-count-renders", count)
    try:
        yield counted
    finally:
        configs.before_render.unregister("test-count-renders")


def edit(config, zone):
    config.config = {"general": {"timezone": zone}}
    config.save()


def reread(config):
    return get_model("config").objects.get(pk=config.pk)


def test_many_edits_in_one_transaction_render_the_config_once(renders):
    config = make_config()
    template = TemplateFactory(config={"interfaces": [{"name": "eth1", "type": "ethernet"}]})
    renders.clear()
    with catch_signal(signals.config_modified) as sent, transaction.atomic():
        for zone in ZONES:
            edit(config, zone)
        config.templates.add(template)
        assert renders[config.pk] == 0  # nothing before the commit
    assert renders[config.pk] == 1
    call = sent.one()
    assert call.action == "m2m_templates_changed"  # the strongest reason of the four
    assert reread(config).config == {"general": {"timezone": ZONES[-1]}}
    assert reread(config).status == "modified"


def test_the_signals_are_sent_after_the_commit_not_before():
    config = make_config()
    with catch_signal(signals.config_modified) as sent:
        with transaction.atomic():
            edit(config, "Europe/Rome")
            sent.none()
        sent.one()


def test_a_rollback_drops_what_the_transaction_recorded(renders):
    config = make_config()
    checksum = reread(config).checksum
    renders.clear()
    with catch_signal(signals.config_modified) as sent:
        with pytest.raises(Boom), transaction.atomic():
            edit(config, "Europe/Rome")
            raise Boom
    sent.none()
    assert renders[config.pk] == 0
    assert reread(config).checksum == checksum


def test_a_savepoint_rolled_back_drops_only_what_it_recorded(renders):
    kept, dropped = make_config(), make_config()
    renders.clear()
    with catch_signal(signals.config_modified) as sent, transaction.atomic():
        edit(kept, "Europe/Rome")
        with pytest.raises(Boom), transaction.atomic():
            edit(dropped, "Europe/Berlin")
            raise Boom
    assert [call.instance.pk for call in sent] == [kept.pk]
    assert renders == Counter({kept.pk: 1})


def test_nested_atomic_blocks_are_one_unit_done_at_the_outer_commit(renders):
    config = make_config()
    renders.clear()
    with catch_signal(signals.config_modified) as sent:
        with transaction.atomic():
            with transaction.atomic():
                edit(config, "Europe/Rome")
            with transaction.atomic():
                edit(config, "Europe/Berlin")
            assert renders[config.pk] == 0
            sent.none()
        sent.one()
    assert renders[config.pk] == 1


def test_a_write_outside_any_transaction_is_its_own_unit(renders):
    config = make_config()
    renders.clear()
    with catch_signal(signals.config_modified) as sent:
        edit(reread(config), "Europe/Rome")  # a shell, another app: the plain ORM
        sent.one()
        assert reread(config).status == "modified"
        edit(reread(config), "Europe/Berlin")
    assert len(sent) == 2
    assert renders[config.pk] == 2


def test_a_workflow_can_settle_the_unit_before_the_commit(renders):
    config = make_config()
    renders.clear()
    with catch_signal(signals.config_modified) as sent, transaction.atomic():
        edit(config, "Europe/Rome")
        unit.settle()
        assert renders[config.pk] == 1
        assert reread(config).config == {"general": {"timezone": "Europe/Rome"}}
        sent.none()  # the signal still waits for the commit
    sent.one()
    assert renders[config.pk] == 1


def test_group_template_changes_in_one_transaction_are_one_signal():
    first, second, third = TemplateFactory(), TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first)
    config = make_config(DeviceFactory(group=group))
    with catch_signal(signals.group_templates_changed) as sent, transaction.atomic():
        group.templates.add(second)
        group.templates.remove(first)
        group.templates.set([third, second])
        sent.none()
    call = sent.one()
    assert [t.pk for t in call.old_templates] == [first.pk]
    assert [t.pk for t in call.templates] == [third.pk, second.pk]
    assert list(reread(config).templates.all()) == [third, second]


def test_group_template_changes_undone_in_the_transaction_send_nothing():
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.add(first)
    with catch_signal(signals.group_templates_changed) as sent, transaction.atomic():
        group.templates.add(second)
        group.templates.remove(second)
    sent.none()


def test_a_bulk_change_through_the_orm_renders_each_config_once(renders):
    fleet = [make_config() for _ in range(12)]
    renders.clear()
    with catch_signal(signals.config_modified) as sent, transaction.atomic():
        for config in fleet:
            edit(config, "Europe/Rome")
            config.device.name = f"renamed-{config.device.name}"
            config.device.save()
            edit(config, "Asia/Tokyo")
    assert renders == Counter({config.pk: 1 for config in fleet})
    assert sorted(call.instance.pk for call in sent) == sorted(config.pk for config in fleet)


def test_a_template_edit_in_a_transaction_starts_the_background_work_once(settings, monkeypatch):
    settings.NETJSONCONFIG_FANOUT = "thread"
    started = []
    monkeypatch.setattr(queue, "enqueue", lambda name, *ids: started.append((name, *ids)))
    template = TemplateFactory()
    for _ in range(3):
        make_config(templates=[template])
    started.clear()  # the new configs asked for their auto-added credentials
    with transaction.atomic():
        for zone in ZONES:
            template.config = {"general": {"timezone": zone}}
            template.save()
        assert started == []
    assert started == [("render_pending",)]
    assert get_model("config").objects.filter(render_pending__gt=0).count() == 3


def test_a_savepoint_rolled_back_keeps_what_the_outer_level_recorded(renders):
    config = make_config()
    renders.clear()
    with catch_signal(signals.config_modified) as sent, transaction.atomic():
        edit(config, "Europe/Rome")
        with pytest.raises(Boom), transaction.atomic():
            config.templates.add(TemplateFactory(config={"general": {"timezone": "UTC"}}))
            raise Boom
    call = sent.one()
    assert call.action == "config_changed"  # not the reason the rolled back change gave
    assert renders[config.pk] == 1
    assert reread(config).config == {"general": {"timezone": "Europe/Rome"}}


def test_a_group_change_rolled_back_in_a_savepoint_is_not_reported():
    first, second = TemplateFactory(), TemplateFactory()
    group = DeviceGroupFactory()
    config = make_config(DeviceFactory(group=group))
    with catch_signal(signals.group_templates_changed) as sent, transaction.atomic():
        group.templates.add(first)
        with pytest.raises(Boom), transaction.atomic():
            group.templates.add(second)
            raise Boom
    call = sent.one()
    assert [t.pk for t in call.old_templates] == []
    assert [t.pk for t in call.templates] == [first.pk]
    assert list(reread(config).templates.all()) == [first]
