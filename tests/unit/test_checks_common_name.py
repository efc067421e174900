"""A certificate's common name never carries the device key (certificates are public)."""

import pytest

from django_netjsonconfig.checks import check_common_name_format


def ids(messages):
    return [message.id for message in messages]


def test_the_default_common_name_format_passes(settings):
    assert check_common_name_format() == []


@pytest.mark.parametrize(
    "fmt", ["{key}", "{mac_address}-{key}", "{key!r}", "{key:>10}", "{key[0]}"]
)
def test_a_common_name_format_with_the_key_is_refused(settings, fmt):
    settings.NETJSONCONFIG_COMMON_NAME_FORMAT = fmt
    messages = check_common_name_format()
    assert ids(messages) == ["django_netjsonconfig.E006"]
    assert "{key}" in messages[0].msg


def test_a_format_that_does_not_parse_is_refused(settings):
    settings.NETJSONCONFIG_COMMON_NAME_FORMAT = "{mac_address"
    assert ids(check_common_name_format()) == ["django_netjsonconfig.E006"]


def test_the_other_device_fields_are_allowed(settings):
    settings.NETJSONCONFIG_COMMON_NAME_FORMAT = "{id}-{hardware_id}-{name}-{mac_address}"
    assert check_common_name_format() == []
