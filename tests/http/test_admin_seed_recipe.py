"""The seed's "Extending the admin" recipe works: forms subclassed with
``class Meta(AbstractConfigForm.Meta): model = Config`` and admins registered on a
site of one's own, with the same validation and saving through the services."""

import hashlib

import pytest
from django.contrib.admin import AdminSite
from django.urls import path, reverse

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.base.admin import (
    AbstractConfigAdmin,
    AbstractConfigForm,
    AbstractTemplateAdmin,
    BaseForm,
)

from ..admin_helpers import form_data
from ..factories import DeviceFactory, TemplateFactory, make_config

Config = get_model("config")
Template = get_model("template")


class ConfigForm(AbstractConfigForm):
    class Meta(AbstractConfigForm.Meta):
        model = Config


class ConfigAdmin(AbstractConfigAdmin):
    form = ConfigForm


class TemplateForm(BaseForm):
    class Meta(BaseForm.Meta):
        model = Template


class TemplateAdmin(AbstractTemplateAdmin):
    form = TemplateForm


site = AdminSite(name="seed_admin")
site.register(Config, ConfigAdmin)
site.register(Template, TemplateAdmin)
urlpatterns = [path("seed-admin/", site.urls)]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def url(model, view, *args):
    opts = model._meta
    return reverse(f"seed_admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def test_config_added_for_a_device_through_the_seed_admin(admin_client):
    device = DeviceFactory(name="seed-router")
    template = TemplateFactory(name="default-one", default=True)
    data = form_data(admin_client.get(url(Config, "add")))
    assert data["templates"] == str(template.pk)
    data.update({"device": str(device.pk), "context": '{"a": "b"}'})

    response = admin_client.post(url(Config, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    config = Config.objects.get(device=device)
    assert list(config.templates.all()) == [template]
    assert config.context == {"a": "b"}
    assert config.checksum_db


def test_config_changed_through_the_seed_admin_is_rendered_again(admin_client):
    first, second = TemplateFactory(), TemplateFactory(config={"general": {"description": "2"}})
    config = make_config(templates=[first])
    checksum = config.checksum_db
    change = url(Config, "change", config.pk)
    data = form_data(admin_client.get(change))
    data["templates"] = f"{second.pk},{first.pk}"

    response = admin_client.post(change, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    config.refresh_from_db()
    assert list(config.templates.all()) == [second, first]
    assert config.checksum_db != checksum
    assert config.status == "modified"


def test_seed_config_admin_refuses_what_cannot_render(admin_client):
    config = make_config()
    change = url(Config, "change", config.pk)
    data = form_data(admin_client.get(change))
    data["config"] = '{"general": {"description": "{{ nowhere }}"}}'

    response = admin_client.post(change, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "unresolved variable: nowhere" in errors["config"][0]
    config.refresh_from_db()
    assert config.config == {}


def test_seed_config_admin_lists_searches_and_downloads(admin_client):
    config = make_config(DeviceFactory(name="findme"))
    make_config(DeviceFactory(name="other"))
    found = admin_client.get(url(Config, "changelist") + "?q=findme").context["cl"].result_list
    assert list(found) == [config]
    response = admin_client.get(url(Config, "download", config.pk))
    assert hashlib.md5(response.content).hexdigest() == config.checksum_db


def test_seed_template_form_checks_the_template_renders(admin_client):
    data = form_data(admin_client.get(url(Template, "add")))
    data.update({"name": "t", "default": "on", "config": '{"general": {"description": "{{ x }}"}}'})
    response = admin_client.post(url(Template, "add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "unresolved variable: x" in errors["default_values"][0]
    assert not Template.objects.exists()
