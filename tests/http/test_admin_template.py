"""The template admin: tags as text, templates that cannot render are refused,
previews of unsaved templates."""

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url, form_data
from ..factories import TemplateFactory

pytestmark = pytest.mark.django_db

OPENWRT = "netjsonconfig.OpenWrt"


def template_form_data(client, template=None, **fields):
    url = admin_url("template", "change", template.pk) if template else admin_url("template", "add")
    data = form_data(client.get(url))
    data.update(fields)
    return url, data


def form_errors(response):
    assert response.status_code == 200, "the form was accepted"
    return response.context["adminform"].form.errors


def test_template_admin_refuses_a_default_template_with_an_unresolved_variable(admin_client):
    url, data = template_form_data(
        admin_client,
        name="wifi",
        backend=OPENWRT,
        default="on",
        config='{"general": {"description": "{{ ssid }}"}}',
    )

    response = admin_client.post(url, data)

    assert "unresolved variable: ssid" in form_errors(response)["default_values"][0]
    assert not get_model("template").objects.exists()


def test_template_admin_accepts_the_variable_once_it_has_a_default_value(admin_client):
    url, data = template_form_data(
        admin_client,
        name="wifi",
        backend=OPENWRT,
        default="on",
        config='{"general": {"description": "{{ ssid }}"}}',
        default_values='{"ssid": "guest"}',
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    template = get_model("template").objects.get(name="wifi")
    assert template.default and template.default_values == {"ssid": "guest"}


def test_template_admin_refuses_an_empty_or_invalid_config(admin_client):
    url, data = template_form_data(admin_client, name="empty", backend=OPENWRT, config="{}")
    assert "cannot be empty" in form_errors(admin_client.post(url, data))["config"][0]
    data["config"] = '{"interfaces": [{"name": "eth0"}]}'
    assert "interfaces[0]" in form_errors(admin_client.post(url, data))["config"][0]
    assert not get_model("template").objects.exists()


def test_template_tags_are_typed_as_text_and_stored_as_a_list(admin_client):
    url, data = template_form_data(
        admin_client,
        name="tagged",
        backend=OPENWRT,
        config='{"general": {"timezone": "UTC"}}',
        tags="office, lab  office",
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    template = get_model("template").objects.get(name="tagged")
    assert template.tags == ["lab", "office"]
    page = admin_client.get(admin_url("template", "change", template.pk)).content.decode()
    assert 'value="lab office"' in page


def test_template_config_is_shown_pretty_printed(admin_client):
    template = TemplateFactory(config={"general": {"timezone": "UTC"}})
    page = admin_client.get(admin_url("template", "change", template.pk)).content.decode()
    assert "{\n    &quot;general&quot;: {\n        &quot;timezone&quot;: &quot;UTC&quot;" in page


def test_template_list_filters_and_search(admin_client):
    TemplateFactory(name="base", required=True, default=True)
    TemplateFactory(name="extra")
    url = admin_url("template", "changelist")
    found = admin_client.get(f"{url}?required__exact=1").context["cl"].result_list
    assert [t.name for t in found] == ["base"]
    found = admin_client.get(f"{url}?q=ext").context["cl"].result_list
    assert [t.name for t in found] == ["extra"]


def test_template_preview_renders_unsaved_changes(admin_client):
    template = TemplateFactory(name="motd")
    url, data = template_form_data(
        admin_client,
        template,
        config='{"files": [{"path": "/etc/motd", "mode": "0644", "contents": "hi {{ who }}"}]}',
        default_values='{"who": "all"}',
    )

    response = admin_client.post(admin_url("template", "preview", template.pk), data)

    assert response.status_code == 200
    assert dict(response.context["files"])["/etc/motd (mode: 0644)"] == "hi all\n"
    template.refresh_from_db()
    assert template.config == {"general": {"timezone": "UTC"}}


def test_template_preview_shows_why_it_cannot_render(admin_client):
    url, data = template_form_data(
        admin_client,
        name="broken",
        backend=OPENWRT,
        config='{"general": {"description": "{{ nowhere }}"}}',
    )
    response = admin_client.post(admin_url("template", "preview_new"), data)
    assert response.status_code == 400
    assert any("unresolved variable: nowhere" in e for e in response.context["errors"])
