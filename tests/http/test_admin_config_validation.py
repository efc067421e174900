"""A config the admin cannot accept shows an error next to its field and saves nothing."""

from html import escape

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import device_form_data
from ..factories import DeviceFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db

OPENWISP = "netjsonconfig.OpenWisp"


def inline_errors(response):
    assert response.status_code == 200, "the form was accepted"
    inline = response.context["inline_admin_formsets"][0]  # the config (then connections)
    return inline.formset.forms[0].errors


def post_new_device(client, **config_fields):
    url, data = device_form_data(client)
    data.update({"name": "router-1", "mac_address": "00:11:22:33:44:55"})
    data.update({f"config-0-{k}": v for k, v in config_fields.items()})
    return client.post(url, data)


def assert_nothing_saved():
    assert not get_model("device").objects.exists()
    assert not get_model("config").objects.exists()


def test_invalid_json_is_reported_on_its_field(admin_client):
    response = post_new_device(admin_client, config='{"general": ')
    errors = inline_errors(response)
    assert "Invalid JSON" in errors["config"][0]
    assert "line 1" in errors["config"][0]
    assert_nothing_saved()
    # what was typed is shown again, to be fixed
    assert escape('{"general": ') in response.content.decode()


def test_variables_that_are_not_an_object_are_refused(admin_client):
    response = post_new_device(admin_client, context='["a", "b"]')
    errors = inline_errors(response)
    assert "Must be a JSON object" in errors["context"][0]
    assert_nothing_saved()


def test_config_failing_the_schema_names_the_path(admin_client):
    response = post_new_device(admin_client, config='{"interfaces": [{"name": "eth0"}]}')
    message = inline_errors(response)["config"][0]
    assert "interfaces[0]" in message
    assert "device configuration" in message
    assert_nothing_saved()


def test_config_failing_the_schema_in_a_template_names_the_template(admin_client):
    broken = TemplateFactory(name="broken")
    get_model("template").objects.filter(pk=broken.pk).update(
        config={"interfaces": [{"name": "eth0", "type": "wrong"}]}
    )
    response = post_new_device(admin_client, templates=str(broken.pk))
    message = inline_errors(response)["config"][0]
    assert 'template "broken"' in message
    assert "interfaces[0]" in message
    assert_nothing_saved()


def test_unresolved_variable_is_reported(admin_client):
    response = post_new_device(admin_client, config='{"general": {"description": "{{ site }}"}}')
    assert "unresolved variable: site" in inline_errors(response)["config"][0]
    assert_nothing_saved()


def test_variable_defined_in_the_form_resolves(admin_client):
    response = post_new_device(
        admin_client,
        config='{"general": {"description": "{{ site }}"}}',
        context='{"site": "office"}',
    )
    assert response.status_code == 302
    assert get_model("config").objects.get().context == {"site": "office"}


def test_template_of_another_backend_is_refused(admin_client):
    other = TemplateFactory(name="openwisp-only", backend=OPENWISP)
    response = post_new_device(admin_client, templates=str(other.pk))
    message = inline_errors(response)["templates"][0]
    assert "openwisp-only" in message
    assert "backend" in message
    assert_nothing_saved()


def test_removing_a_required_template_is_refused(admin_client):
    required = TemplateFactory(name="base", required=True)
    optional = TemplateFactory(name="extra")
    config = make_config(templates=[optional])
    assert required in config.templates.all()
    checksum = config.checksum_db
    url, data = device_form_data(admin_client, config.device)
    data["config-0-templates"] = str(optional.pk)
    data["config-0-context"] = '{"changed": "yes"}'

    response = admin_client.post(url, data)

    assert "required templates cannot be removed: base" in inline_errors(response)["templates"][0]
    config.refresh_from_db()
    assert list(config.templates.all()) == [required, optional]
    assert config.context == {}
    assert config.checksum_db == checksum


def test_an_error_in_the_config_keeps_the_device_unchanged(admin_client):
    config = make_config(DeviceFactory(name="before"))
    url, data = device_form_data(admin_client, config.device)
    data["name"] = "after"
    data["config-0-config"] = '{"interfaces": [{"name": "eth0"}]}'

    response = admin_client.post(url, data)

    assert "interfaces[0]" in inline_errors(response)["config"][0]
    config.device.refresh_from_db()
    assert config.device.name == "before"
