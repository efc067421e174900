"""A new device keeps the order the operator gave its templates, required and group
ones included; those not chosen still come, first."""

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import device_form_data
from ..factories import DeviceGroupFactory, TemplateFactory

pytestmark = pytest.mark.django_db


def post_new_device(client, templates, **device_fields):
    url, data = device_form_data(client)
    data.update({"name": "router-1", "mac_address": "00:11:22:33:44:55", **device_fields})
    data["config-0-templates"] = ",".join(str(t.pk) for t in templates)
    response = client.post(url, data)
    assert response.status_code == 302
    return list(get_model("device").objects.get().config.templates.all())


def test_a_required_template_dragged_last_stays_last(admin_client):
    required = TemplateFactory(name="base", required=True)
    wifi = TemplateFactory(name="wifi")
    assert post_new_device(admin_client, [wifi, required]) == [wifi, required]


def test_required_and_group_templates_left_out_come_first(admin_client):
    required = TemplateFactory(name="base", required=True)
    grouped = TemplateFactory(name="office")
    group = DeviceGroupFactory()
    group.templates.set([grouped])
    wifi = TemplateFactory(name="wifi")

    templates = post_new_device(admin_client, [wifi], group=str(group.pk))

    assert templates == [required, grouped, wifi]
