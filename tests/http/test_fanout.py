"""Changes that reach many configs are recorded in a bounded number of queries."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs, groups
from django_netjsonconfig.fleet import fanout

from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..helpers import edit_timezone

pytestmark = pytest.mark.django_db


def queries_of(action):
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


def fleet(count, **config_kwargs):
    return [make_config(**config_kwargs) for _ in range(count)]


def test_a_template_edit_makes_as_many_queries_for_30_devices_as_for_3(settings):
    settings.NETJSONCONFIG_FANOUT = "celery"  # the request only records the change
    settings.CELERY_BROKER_URL = "memory://"
    small, large = TemplateFactory(), TemplateFactory()
    fleet(3, templates=[small])
    fleet(30, templates=[large])
    assert queries_of(lambda: edit_timezone(small, "Asia/Tokyo")) == queries_of(
        lambda: edit_timezone(large, "Asia/Tokyo")
    )
    assert get_model("config").objects.filter(render_pending__gt=0).count() == 33


def test_a_group_variable_change_is_one_update(settings):
    settings.NETJSONCONFIG_FANOUT = "celery"
    template = TemplateFactory(config={"general": {"timezone": "{{ tz }}"}})
    group = DeviceGroupFactory(context={"tz": "UTC"})
    for _ in range(5):
        make_config(DeviceFactory(group=group), templates=[template])
    group.context = {"tz": "Asia/Tokyo"}
    assert queries_of(group.save) <= 3
    assert get_model("config").objects.filter(render_pending__gt=0).count() == 5


def test_a_group_templates_change_is_bounded_whatever_the_group_size(settings):
    settings.NETJSONCONFIG_FANOUT = "celery"
    first, second = TemplateFactory(), TemplateFactory()
    small, large = DeviceGroupFactory(), DeviceGroupFactory()
    for group, size in ((small, 2), (large, 20)):
        for _ in range(size):
            make_config(DeviceFactory(group=group))

    def change(group):
        return lambda: groups.templates_changed(group, [], [first, second])

    assert queries_of(change(small)) == queries_of(change(large))
    config = get_model("config").objects.filter(device__group=large).first()
    assert list(config.templates.all()) == [first, second]


def test_pending_configs_are_rendered_by_the_batch_and_flip_to_modified_only_if_changed():
    template = TemplateFactory()
    untouched = TemplateFactory()
    changed = fleet(3, templates=[template])
    same = fleet(2, templates=[untouched])
    get_model("config").objects.update(status="applied")
    fanout.mark(get_model("config").objects.all(), "config_changed", render=False)
    edit_timezone(template, "Asia/Tokyo")  # inline mode renders everything pending
    statuses = dict(get_model("config").objects.values_list("pk", "status"))
    assert {statuses[c.pk] for c in changed} == {"modified"}
    assert {statuses[c.pk] for c in same} == {"applied"}
    assert not get_model("config").objects.filter(render_pending__gt=0).exists()


def test_a_render_started_before_a_newer_change_does_not_clear_it():
    config = make_config()
    loaded = get_model("config").objects.get(pk=config.pk)
    fanout.mark(get_model("config").objects.filter(pk=config.pk), "config_changed", render=False)
    # ``loaded`` was read before the mark: its store must not clear the newer request
    loaded.config = {"general": {"timezone": "Asia/Tokyo"}}
    configs.refresh(loaded)
    assert get_model("config").objects.get(pk=config.pk).render_pending > 0


def test_a_poll_before_the_batch_gets_the_new_config_rendered_on_the_spot(settings, device_client):
    settings.NETJSONCONFIG_FANOUT = "celery"  # nothing renders in the background here
    template = TemplateFactory()
    config = make_config(templates=[template])
    device = config.device
    old = device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key}).content
    edit_timezone(template, "Asia/Tokyo")
    new = device_client.get(f"/controller/checksum/{device.pk}/", {"key": device.key}).content
    archive = device_client.get(f"/controller/download-config/{device.pk}/", {"key": device.key})
    assert new != old
    import hashlib

    assert new.decode() == hashlib.md5(archive.content).hexdigest()


def test_the_render_pending_command_finishes_what_the_broker_did_not(settings):
    settings.NETJSONCONFIG_FANOUT = "celery"
    template = TemplateFactory()
    fleet(4, templates=[template])
    edit_timezone(template, "Asia/Tokyo")
    out = io.StringIO()
    call_command("netjsonconfig_render_pending", stdout=out)
    assert out.getvalue().strip() == "4 pending, 4 rendered, 0 left"


def test_the_render_pending_command_refuses_a_bad_limit():
    with pytest.raises(CommandError, match="positive"):
        call_command("netjsonconfig_render_pending", limit=0, stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_the_thread_mode_renders_after_commit(settings):
    settings.NETJSONCONFIG_FANOUT = "thread"
    template = TemplateFactory()
    fleet(3, templates=[template])
    edit_timezone(template, "Asia/Tokyo")
    fanout.wait_for_thread(timeout=30)
    assert not get_model("config").objects.filter(render_pending__gt=0).exists()
