"""``config_status_changed``: sent when ``Config.status`` changes.

Argument: ``instance`` (Config). Sent when a device reports a new status, and
when a change of the rendered output (a template edited, templates added or
removed) makes an applied config ``modified``; never when the status stays.
"""

from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..factories import TemplateFactory, make_config
from ..helpers import applied, report_status
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db

ROME = {"general": {"timezone": "Europe/Rome"}}
BERLIN = {"general": {"timezone": "Europe/Berlin"}}


@pytest.fixture
def status_changed(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.config_status_changed, django_capture_on_commit_callbacks)


def assert_sent_for(call, config, status):
    assert call.sender is get_model("config")
    assert call.instance.pk == config.pk
    assert call.instance.status == status
    assert get_model("config").objects.get(pk=config.pk).status == status


# --- reported by the device -----------------------------------------------------------------
def test_reporting_applied_on_a_modified_config_sends_the_signal(status_changed, device_client):
    config = make_config()
    with status_changed() as sent:
        response = report_status(device_client, config.device, "applied")
    assert response.status_code == 200
    assert_sent_for(sent.one(), config, "applied")


def test_reporting_error_on_an_applied_config_sends_the_signal_with_the_reason(
    status_changed, device_client
):
    config = applied(make_config())
    with status_changed() as sent:
        response = report_status(
            device_client, config.device, "error", error_reason="uci commit failed"
        )
    assert response.status_code == 200
    call = sent.one()
    assert_sent_for(call, config, "error")
    assert call.instance.error_reason == "uci commit failed"


def test_reporting_the_legacy_running_status_sends_the_signal_as_applied(
    status_changed, device_client
):
    config = make_config()
    with status_changed() as sent:
        report_status(device_client, config.device, "running")
    assert_sent_for(sent.one(), config, "applied")


def test_reporting_the_current_status_sends_nothing(status_changed, device_client):
    config = applied(make_config())
    with status_changed() as sent:
        response = report_status(device_client, config.device, "applied")
    assert response.status_code == 200
    sent.none()


def test_reporting_modified_on_a_modified_config_sends_nothing(status_changed, device_client):
    config = make_config()
    with status_changed() as sent:
        report_status(device_client, config.device, "modified")
    sent.none()


def test_reporting_error_again_with_another_reason_sends_nothing(status_changed, device_client):
    config = make_config()
    configs.set_status(config, "error", "first failure")
    with status_changed() as sent:
        report_status(device_client, config.device, "error", error_reason="second failure")
    sent.none()
    assert get_model("config").objects.get(pk=config.pk).error_reason == "second failure"


def test_reporting_the_same_status_twice_sends_the_signal_once(status_changed, device_client):
    config = make_config()
    with status_changed() as sent:
        report_status(device_client, config.device, "applied")
        report_status(device_client, config.device, "applied")
    assert_sent_for(sent.one(), config, "applied")


def test_a_report_with_a_wrong_key_sends_nothing(status_changed, device_client):
    config = make_config()
    with status_changed() as sent:
        response = device_client.post(
            f"/controller/report-status/{config.device.pk}/",
            {"key": "wrong", "status": "applied"},
        )
    assert response.status_code == 403
    sent.none()


def test_a_report_with_an_unknown_status_sends_nothing(status_changed, device_client):
    config = make_config()
    with status_changed() as sent:
        response = report_status(device_client, config.device, "exploded")
    assert response.status_code == 403
    sent.none()


# --- a change of the rendered output -----------------------------------------------------------
def test_editing_a_template_makes_an_applied_config_modified_and_sends_the_signal(
    status_changed,
):
    template = TemplateFactory()
    config = applied(make_config(templates=[template]))
    with status_changed() as sent:
        template.config = ROME
        template.save()
    assert_sent_for(sent.one(), config, "modified")


def test_editing_a_template_of_a_config_already_modified_sends_nothing(status_changed):
    template = TemplateFactory()
    make_config(templates=[template])
    with status_changed() as sent:
        template.config = ROME
        template.save()
    sent.none()


def test_editing_a_template_field_that_is_not_rendered_keeps_the_status(status_changed):
    template = TemplateFactory()
    config = applied(make_config(templates=[template]))
    with status_changed() as sent:
        template.notes = "only a note"
        template.save()
    sent.none()
    assert get_model("config").objects.get(pk=config.pk).status == "applied"


def test_adding_a_template_to_an_applied_config_sends_the_signal(status_changed):
    config = applied(make_config())
    template = TemplateFactory(config=ROME)
    with status_changed() as sent:
        config.templates.add(template)
    assert_sent_for(sent.one(), config, "modified")


def test_removing_a_template_from_an_applied_config_sends_the_signal(status_changed):
    template = TemplateFactory(config=ROME)
    config = applied(make_config(templates=[template]))
    with status_changed() as sent:
        config.templates.remove(template)
    assert_sent_for(sent.one(), config, "modified")


def test_clearing_the_templates_of_an_applied_config_sends_nothing(status_changed):
    rome, berlin = TemplateFactory(config=ROME), TemplateFactory(config=BERLIN)
    config = applied(make_config(templates=[rome, berlin]))
    with status_changed() as sent:
        config.templates.clear()
    sent.none()


def test_changing_the_device_netjson_of_an_applied_config_sends_the_signal(status_changed):
    config = applied(make_config())
    with status_changed() as sent:
        config.config = ROME
        config.save()
    assert_sent_for(sent.one(), config, "modified")


def test_a_config_that_cannot_be_rendered_any_more_sends_the_signal_with_error(status_changed):
    template = TemplateFactory()
    config = applied(make_config(templates=[template]))
    with status_changed() as sent:
        template.config = {"general": {"timezone": "{{ missing_variable }}"}}
        template.save()
    call = sent.one()
    assert_sent_for(call, config, "error")
    assert "missing_variable" in call.instance.error_reason


def test_creating_a_config_sends_nothing(status_changed):
    with status_changed() as sent:
        make_config(config=ROME)
    sent.none()
