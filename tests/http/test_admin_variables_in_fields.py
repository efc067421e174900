"""A {{ variable }} goes wherever a value goes, even in a field whose schema has a
pattern (a MAC address): the check runs on the resolved value."""

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import device_form_data
from ..factories import TemplateFactory

pytestmark = pytest.mark.django_db

MAC_IN_A_VARIABLE = '{"interfaces": [{"name": "eth0", "type": "ethernet", "mac": "{{ mac }}"}]}'


def post_device(client, context, templates=""):
    url, data = device_form_data(client)
    data.update(
        {
            "name": "router-1",
            "mac_address": "00:11:22:33:44:55",
            "config-0-config": MAC_IN_A_VARIABLE,
            "config-0-context": context,
            "config-0-templates": templates,
        }
    )
    return client.post(url, data)


def config_errors(response):
    assert response.status_code == 200, "the form was accepted"
    inline = response.context["inline_admin_formsets"][0]  # the config (then connections)
    return inline.formset.forms[0].errors["config"]


def test_a_variable_in_a_mac_field_saves_when_it_resolves_to_a_mac(admin_client):
    response = post_device(admin_client, '{"mac": "02:00:00:AA:BB:CC"}')

    assert response.status_code == 302
    config = get_model("config").objects.get()
    assert config.config["interfaces"][0]["mac"] == "{{ mac }}"  # kept as written
    assert config.status == "modified"
    assert config.checksum_db


def test_a_variable_resolving_to_no_mac_is_refused_naming_the_variable(admin_client):
    response = post_device(admin_client, '{"mac": "not-a-mac"}')

    (message,) = config_errors(response)
    assert "interfaces[0]" in message
    assert "mac = 'not-a-mac'" in message
    assert not get_model("device").objects.exists()


def test_an_unresolved_variable_in_a_mac_field_is_refused_naming_it(admin_client):
    response = post_device(admin_client, "{}")

    (message,) = config_errors(response)
    assert "unresolved variable: mac" in message
    assert not get_model("config").objects.exists()


def test_a_template_default_value_resolves_the_variable(admin_client):
    template = TemplateFactory(name="macs", default_values={"mac": "02:00:00:00:00:01"})

    response = post_device(admin_client, "{}", templates=str(template.pk))

    assert response.status_code == 302
    assert get_model("config").objects.get().status == "modified"
