"""The admin tests' form helpers (tests/admin_helpers.py): posting the form of a saved
device unchanged must save nothing new, which proves they reproduce the form faithfully.
"""

import pytest

from ..admin_helpers import device_form_data, errors_of
from ..factories import TemplateFactory, make_config


@pytest.mark.django_db
def test_posting_an_unchanged_device_form_keeps_the_device_and_its_config(admin_client):
    template = TemplateFactory()
    config = make_config(templates=[template], config={"general": {"timezone": "UTC"}})
    checksum = config.checksum_db
    url, data = device_form_data(admin_client, config.device)

    response = admin_client.post(url, data)

    assert response.status_code == 302, errors_of(response)
    config.refresh_from_db()
    assert config.checksum_db == checksum
    assert list(config.templates.all()) == [template]
