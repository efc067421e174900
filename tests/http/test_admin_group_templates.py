"""Group templates changed in the admin reach the group's devices; a device moved
to another group in the admin gets the new group's templates instead of the old."""

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.signals import group_templates_changed

from ..admin_helpers import admin_url, device_form_data, errors_of, form_data
from ..factories import DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db


def group_form_data(client, group=None):
    url = admin_url("devicegroup", "change", group.pk) if group else admin_url("devicegroup", "add")
    return url, form_data(client.get(url))


def test_group_template_change_in_admin_swaps_templates_on_its_devices(
    admin_client, django_capture_on_commit_callbacks
):
    old = TemplateFactory(name="old")
    new = TemplateFactory(name="new", config={"general": {"description": "new"}})
    own = TemplateFactory()
    group = DeviceGroupFactory()
    group.templates.set([old])
    config = make_config(DeviceFactory(group=group), templates=[own])
    assert list(config.templates.all()) == [old, own]
    checksum = config.checksum_db
    sent = []
    group_templates_changed.connect(lambda **kw: sent.append(kw), weak=False, dispatch_uid="t")
    url, data = group_form_data(admin_client, group)
    data["templates"] = str(new.pk)

    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(url, data)
    finally:
        group_templates_changed.disconnect(dispatch_uid="t")

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(group.templates.all()) == [new]
    assert list(config.templates.all()) == [own, new]
    config.refresh_from_db()
    assert config.checksum_db != checksum
    assert len(sent) == 1
    assert sent[0]["old_templates"] == [old] and sent[0]["templates"] == [new]


def test_group_added_in_admin_with_templates_and_variables(admin_client):
    template = TemplateFactory()
    url, data = group_form_data(admin_client)
    data.update({"name": "branch", "templates": str(template.pk), "context": '{"vlan": "10"}'})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    group = get_model("devicegroup").objects.get(name="branch")
    assert list(group.templates.all()) == [template]
    assert group.context == {"vlan": "10"}


def test_group_variables_must_be_an_object(admin_client):
    url, data = group_form_data(admin_client)
    data.update({"name": "branch", "meta_data": "[1]"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Must be a JSON object" in response.context["adminform"].form.errors["meta_data"][0]
    assert not get_model("devicegroup").objects.exists()


def test_device_moved_to_another_group_in_admin_gets_the_new_group_templates(admin_client):
    old_template, new_template = TemplateFactory(name="old"), TemplateFactory(name="new")
    own = TemplateFactory(name="own")
    old_group, new_group = DeviceGroupFactory(), DeviceGroupFactory()
    old_group.templates.set([old_template])
    new_group.templates.set([new_template])
    config = make_config(DeviceFactory(group=old_group), templates=[own])
    url, data = device_form_data(admin_client, config.device)
    # the form shows (and posts back) the old group's template
    assert data["config-0-templates"] == f"{old_template.pk},{own.pk}"
    data["group"] = str(new_group.pk)
    data["config-0-context"] = '{"changed": "too"}'

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config.refresh_from_db()
    assert config.device.group == new_group
    assert list(config.templates.all()) == [own, new_template]
    assert config.context == {"changed": "too"}


def test_device_moved_to_another_group_with_config_untouched(admin_client):
    old_template, new_template = TemplateFactory(), TemplateFactory()
    old_group, new_group = DeviceGroupFactory(), DeviceGroupFactory()
    old_group.templates.set([old_template])
    new_group.templates.set([new_template])
    config = make_config(DeviceFactory(group=old_group))
    url, data = device_form_data(admin_client, config.device)
    data["group"] = str(new_group.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    assert list(config.templates.all()) == [new_template]


def test_device_moved_to_a_group_whose_variables_its_config_needs(admin_client):
    group = DeviceGroupFactory(context={"building": "north"})
    config = make_config()
    url, data = device_form_data(admin_client, config.device)
    data["group"] = str(group.pk)
    data["config-0-config"] = '{"general": {"description": "{{ building }}"}}'

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config.refresh_from_db()
    assert config.status == "modified"
    assert config.config["general"]["description"] == "{{ building }}"
