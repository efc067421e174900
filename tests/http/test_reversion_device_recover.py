"""Deleted devices are recoverable with their configuration (django-reversion): the
device's versions follow its config; a deletion first saves a version, so a device
that was never edited in the admin (registered, imported) is recoverable too. The
recovered config is rendered again; what devices report is not versioned."""

import json
import re

import pytest
from reversion.models import Version

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..admin_helpers import admin_url, device_form_data, errors_of, form_data
from ..factories import OPENWRT, DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db


def add_device(client, **fields):
    url, data = device_form_data(client)
    data.update(fields)
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    return get_model("device").objects.get(name=fields["name"])


def delete_in_admin(client, device):
    response = client.post(admin_url("device", "delete", device.pk), {"post": "yes"})
    assert response.status_code == 302


def recover(client, device_pk, django_capture_on_commit_callbacks):
    page = client.get(admin_url("device", "recoverlist")).content.decode()
    links = re.findall(r'href="([^"]+/recover/\d+/)"', page)
    version = Version.objects.get_deleted(get_model("device")).get(object_id=str(device_pk))
    url = admin_url("device", "recover", version.pk)
    assert url in links
    form = client.get(url)
    assert form.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(form))
    assert response.status_code == 302, errors_of(response)
    return get_model("device").objects.get(pk=device_pk)


def test_a_device_deleted_in_the_admin_is_recovered_with_its_config(
    admin_client, django_capture_on_commit_callbacks
):
    first = TemplateFactory(name="first")
    second = TemplateFactory(name="second", config={"general": {"description": "x"}})
    device = add_device(
        admin_client,
        name="router-1",
        mac_address="00:11:22:33:44:55",
        **{
            "config-0-backend": OPENWRT,
            "config-0-templates": f"{second.pk},{first.pk}",
            "config-0-context": '{"ssid": "office"}',
        },
    )
    key, checksum = device.key, device.config.checksum_db
    delete_in_admin(admin_client, device)
    assert not get_model("config").objects.exists()

    recovered = recover(admin_client, device.pk, django_capture_on_commit_callbacks)

    assert (recovered.name, recovered.key) == ("router-1", key)
    config = recovered.config
    assert list(config.templates.all()) == [second, first]
    assert config.context == {"ssid": "office"}
    assert config.render_pending == 0
    assert config.checksum_db == checksum == configs.render(config).checksum
    assert config.archive is not None


def test_a_device_never_edited_in_the_admin_is_recoverable_too(
    admin_client, django_capture_on_commit_callbacks
):
    template = TemplateFactory(name="ntp")
    config = make_config(DeviceFactory(name="registered"), templates=[template])
    device = config.device
    assert not Version.objects.get_for_object(device).exists()
    delete_in_admin(admin_client, device)

    recovered = recover(admin_client, device.pk, django_capture_on_commit_callbacks)

    assert list(recovered.config.templates.all()) == [template]
    assert recovered.config.checksum_db == configs.render(recovered.config).checksum


def test_a_device_deleted_in_the_shell_is_recoverable(admin_client):
    device = make_config(DeviceFactory(name="gone")).device

    device.delete()

    version = Version.objects.get_deleted(get_model("device")).get()
    assert version.object_repr == "gone"
    assert version.revision.comment == "Deleted."


def test_a_recovered_config_is_rendered_with_the_templates_as_they_are_now(
    admin_client, django_capture_on_commit_callbacks
):
    template = TemplateFactory(name="desc", config={"general": {"description": "before"}})
    device = make_config(DeviceFactory(), templates=[template]).device
    delete_in_admin(admin_client, device)
    template.config = {"general": {"description": "after"}}
    template.save()

    recovered = recover(admin_client, device.pk, django_capture_on_commit_callbacks)

    config = recovered.config
    assert config.checksum_db == configs.render(config).checksum
    assert "after" in configs.preview(config)


def test_a_revert_keeps_what_the_device_reported(admin_client, django_capture_on_commit_callbacks):
    device = add_device(
        admin_client,
        name="router-1",
        mac_address="00:11:22:33:44:55",
        **{
            "config-0-backend": OPENWRT,
            "config-0-config": '{"general": {"description": "{{ v }}"}}',
            "config-0-context": '{"v": "1"}',
        },
    )
    url, data = device_form_data(admin_client, device)
    data["config-0-context"] = '{"v": "2"}'
    assert admin_client.post(url, data).status_code == 302
    get_model("device").objects.filter(pk=device.pk).update(last_ip="203.0.113.9")
    get_model("config").objects.filter(device=device).update(status="applied")
    first = Version.objects.get_for_object(device).last()
    revision_url = admin_url("device", "revision", device.pk, first.pk)

    form = admin_client.get(revision_url)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(revision_url, form_data(form))

    assert response.status_code == 302, errors_of(response)
    device.refresh_from_db()
    assert device.last_ip == "203.0.113.9"
    config = device.config
    assert config.context == {"v": "1"}
    assert config.status == "modified"  # the device applied "2": it must fetch "1"
    assert config.checksum_db == configs.render(config).checksum


def test_group_changes_are_kept_and_a_revert_re_renders_the_group_devices(
    admin_client, django_capture_on_commit_callbacks
):
    group = DeviceGroupFactory(name="office")
    config = make_config(
        DeviceFactory(group=group), config={"general": {"description": "{{ x }}"}}, context={}
    )
    url = admin_url("devicegroup", "change", group.pk)
    for value in ("one", "two"):
        data = form_data(admin_client.get(url))
        data["context"] = json.dumps({"x": value})
        assert admin_client.post(url, data).status_code == 302
    config.refresh_from_db()
    assert "two" in configs.preview(config)
    first = Version.objects.get_for_object(group).last()
    revision_url = admin_url("devicegroup", "revision", group.pk, first.pk)

    form = admin_client.get(revision_url)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(revision_url, form_data(form))

    group.refresh_from_db()
    assert group.context == {"x": "one"}
    config.refresh_from_db()
    assert config.checksum_db == configs.render(config).checksum
    assert "one" in configs.preview(config)


def test_a_revert_that_drops_a_required_template_gets_it_back(
    admin_client, django_capture_on_commit_callbacks
):
    device = add_device(
        admin_client,
        name="router-1",
        mac_address="00:11:22:33:44:55",
        **{"config-0-backend": OPENWRT},
    )
    base = TemplateFactory(name="base", required=True)  # added to every config since
    assert base in device.config.templates.all()
    first = Version.objects.get_for_object(device).last()

    with django_capture_on_commit_callbacks(execute=True):
        first.revision.revert()  # reversion's API, as a shell or a script would

    config = get_model("config").objects.get(device=device)
    assert list(config.templates.all()) == [base]
    assert config.render_pending == 0
    assert config.checksum_db == configs.render(config).checksum
