"""``config_backend_changed``: sent when ``Config.backend`` changes.

Arguments: ``instance`` (Config), ``old_backend``, ``backend``. Not sent when
the device or the config is created.
"""

from functools import partial

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..factories import OPENWRT, DeviceFactory, TemplateFactory, extra_fields, make_config
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db

OPENWISP = "netjsonconfig.OpenWisp"


@pytest.fixture
def backend_changed(django_capture_on_commit_callbacks):
    return partial(catch_signal, signals.config_backend_changed, django_capture_on_commit_callbacks)


def assert_sent_for(call, config, old_backend, backend):
    assert call.sender is get_model("config")
    assert call.instance.pk == config.pk
    assert call.old_backend == old_backend
    assert call.backend == backend


def test_changing_the_backend_sends_the_old_and_the_new_backend(backend_changed):
    config = make_config(backend=OPENWRT)
    with backend_changed() as sent:
        config.backend = OPENWISP
        config.save()
    call = sent.one()
    assert_sent_for(call, config, OPENWRT, OPENWISP)
    assert call.instance.backend == OPENWISP
    assert get_model("config").objects.get(pk=config.pk).backend == OPENWISP


def test_changing_the_backend_through_the_service_sends_the_signal(backend_changed):
    config = make_config(backend=OPENWRT)
    with backend_changed() as sent:
        config.backend = OPENWISP
        configs.save(config, old_backend=OPENWRT)
    assert_sent_for(sent.one(), config, OPENWRT, OPENWISP)


def test_changing_the_backend_back_sends_the_signal_again(backend_changed):
    config = make_config(backend=OPENWRT)
    with backend_changed() as sent:
        config.backend = OPENWISP
        config.save()
        config.backend = OPENWRT
        config.save()
    assert len(sent) == 2
    assert_sent_for(sent[0], config, OPENWRT, OPENWISP)
    assert_sent_for(sent[1], config, OPENWISP, OPENWRT)


def test_changing_the_backend_drops_the_templates_of_the_old_backend(backend_changed):
    template = TemplateFactory(backend=OPENWRT)
    config = make_config(backend=OPENWRT, templates=[template])
    with backend_changed() as sent:
        config.backend = OPENWISP
        config.save()
    assert_sent_for(sent.one(), config, OPENWRT, OPENWISP)
    assert list(config.templates.all()) == []


def test_creating_a_config_through_the_service_sends_nothing(backend_changed):
    with backend_changed() as sent:
        make_config(backend=OPENWISP)
        make_config(backend=OPENWRT)
    sent.none()


def test_creating_a_config_with_the_orm_sends_nothing(backend_changed):
    device = DeviceFactory()
    with backend_changed() as sent:
        get_model("config").objects.create(
            **extra_fields(get_model("config"), device=device, backend=OPENWISP)
        )
    sent.none()


def test_a_device_registering_with_a_backend_sends_nothing(backend_changed, device_client, secret):
    with backend_changed() as sent:
        response = device_client.post(
            "/controller/register/",
            {
                "secret": secret,
                "name": "new-router",
                "mac_address": "00:11:22:33:44:55",
                "backend": OPENWISP,
            },
        )
    assert response.status_code == 201
    sent.none()


def test_saving_with_the_same_backend_sends_nothing(backend_changed):
    config = make_config(backend=OPENWRT)
    with backend_changed() as sent:
        config.config = {"general": {"timezone": "Europe/Rome"}}
        config.save()
        configs.save(config, old_backend=OPENWRT)
    sent.none()


def test_changing_the_backend_through_the_service_without_naming_the_old_one_sends_the_signal(
    backend_changed,
):
    config = make_config(backend=OPENWRT)
    with backend_changed() as sent:
        config.backend = OPENWISP
        configs.save(config)
    assert_sent_for(sent.one(), config, OPENWRT, OPENWISP)
