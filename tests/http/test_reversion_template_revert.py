"""History of templates with django-reversion: a template edited twice is reverted to
its first version through the admin history, and the configs that use it are rendered
again (their checksum is that of the restored template)."""

import json
import re

import pytest
from reversion.models import Version

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from ..admin_helpers import admin_url, form_data
from ..factories import DeviceFactory, make_config

pytestmark = pytest.mark.django_db
OPENWRT = "netjsonconfig.OpenWrt"


def save_template(client, template=None, **fields):
    url = admin_url("template", "change", template.pk) if template else admin_url("template", "add")
    data = form_data(client.get(url))
    data.update(fields)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return get_model("template").objects.get(name=data["name"])


def config_json(description):
    return json.dumps({"general": {"description": description}})


def revision_urls(client, template):
    """The links of the template's history page, oldest first."""
    page = client.get(admin_url("template", "history", template.pk)).content.decode()
    return list(dict.fromkeys(re.findall(r'href="([^"]+/history/\d+/)"', page)))


def test_a_template_reverted_through_the_history_re_renders_its_configs(
    admin_client, django_capture_on_commit_callbacks
):
    template = save_template(admin_client, name="desc", backend=OPENWRT, config=config_json("one"))
    config = make_config(DeviceFactory(), templates=[template])
    checksum_one = config.checksum_db
    template = save_template(admin_client, template, config=config_json("two"))
    template = save_template(admin_client, template, config=config_json("three"))
    config.refresh_from_db()
    assert config.checksum_db != checksum_one
    get_model("config").objects.filter(pk=config.pk).update(status="applied")

    urls = revision_urls(admin_client, template)
    assert len(urls) == 3
    first = admin_client.get(urls[0])
    assert first.status_code == 200
    assert "one" in first.context["adminform"].form["config"].value()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(urls[0], form_data(first))

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.config == {"general": {"description": "one"}}
    config.refresh_from_db()
    assert config.render_pending == 0
    assert config.checksum_db == checksum_one
    assert config.checksum_db == configs.render(config).checksum
    assert config.status == "modified"  # the device has "three": it must fetch "one"
    assert len(revision_urls(admin_client, template)) == 4


def test_looking_at_an_old_version_changes_nothing(admin_client):
    template = save_template(admin_client, name="desc", backend=OPENWRT, config=config_json("one"))
    config = make_config(DeviceFactory(), templates=[template])
    template = save_template(admin_client, template, config=config_json("two"))
    config.refresh_from_db()
    checksum = config.checksum_db

    response = admin_client.get(revision_urls(admin_client, template)[0])

    assert response.status_code == 200
    template.refresh_from_db()
    assert template.config == {"general": {"description": "two"}}
    config.refresh_from_db()
    assert config.checksum_db == checksum and config.render_pending == 0


def test_every_change_of_a_template_is_kept(admin_client):
    template = save_template(admin_client, name="desc", backend=OPENWRT, config=config_json("one"))
    save_template(admin_client, template, config=config_json("two"))

    versions = Version.objects.get_for_object(template)
    descriptions = [v.field_dict["config"]["general"]["description"] for v in versions]
    assert descriptions == ["two", "one"]


def test_a_template_made_required_by_a_revert_joins_every_config_of_its_backend(
    admin_client, django_capture_on_commit_callbacks
):
    template = save_template(
        admin_client, name="base", backend=OPENWRT, config=config_json("base"), required="on"
    )
    template = save_template(admin_client, template, required="", default="")
    assert not template.required
    config = make_config(DeviceFactory())
    assert template not in config.templates.all()

    first = admin_client.get(revision_urls(admin_client, template)[0])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(revision_urls(admin_client, template)[0], form_data(first))

    template.refresh_from_db()
    assert template.required
    assert template in config.templates.all()
    config.refresh_from_db()
    assert config.checksum_db == configs.render(config).checksum
