import io

import pytest
from django.core.management import CommandError, call_command

from django_netjsonconfig.apps import get_model

from ..factories import TemplateFactory, make_config

pytestmark = pytest.mark.django_db


def test_refresh_records_a_changed_global_context(settings):
    template = TemplateFactory(
        config={"general": {"timezone": "{{ tz }}"}}, default_values={"tz": "UTC"}
    )
    config = make_config(templates=[template])
    get_model("config").objects.filter(pk=config.pk).update(status="applied")
    settings.NETJSONCONFIG_CONTEXT = {"tz": "Asia/Tokyo"}
    out = io.StringIO()
    call_command("netjsonconfig_refresh", stdout=out)
    config.refresh_from_db()
    assert config.status == "modified"
    assert "1 configs rendered, 1 changed" in out.getvalue()


def test_refresh_leaves_unchanged_configs_applied():
    config = make_config()
    get_model("config").objects.filter(pk=config.pk).update(status="applied")
    call_command("netjsonconfig_refresh", stdout=io.StringIO())
    config.refresh_from_db()
    assert config.status == "applied"


def test_refresh_of_an_unknown_device_fails_with_a_message():
    with pytest.raises(CommandError, match="no configuration for device"):
        call_command("netjsonconfig_refresh", device=["nope"], stdout=io.StringIO())
