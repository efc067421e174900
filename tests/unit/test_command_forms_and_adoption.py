"""The "send a command" form generated from a command type's schema, and the split of
a running configuration against the device's templates (adoption), called directly."""

from __future__ import annotations

import pytest
from django import forms

from django_netjsonconfig.base.admin.commands import command_form_class
from django_netjsonconfig.connection import adopt, commands

SPEC = {
    "label": "Everything",
    "schema": {
        "type": "object",
        "properties": {
            "host": {"type": "string", "title": "Host name", "description": "where"},
            "count": {"type": "integer", "minimum": 1, "maximum": 9},
            "ratio": {"type": "number"},
            "verbose": {"type": "boolean"},
            "family": {"type": "string", "enum": ["ipv4", "ipv6"]},
            "password": {"type": "string"},
        },
        "required": ["host", "count"],
        "additionalProperties": False,
    },
    "callable": lambda **kw: "true",
}


@pytest.fixture
def everything():
    commands.register_command("everything", SPEC)
    yield
    commands.unregister_command("everything")


def test_the_fields_follow_the_schema(everything):
    form = command_form_class("everything")()
    fields = form.fields
    assert isinstance(fields["host"], forms.CharField) and fields["host"].required
    assert fields["host"].label == "Host name" and fields["host"].help_text == "where"
    assert isinstance(fields["count"], forms.IntegerField) and fields["count"].required
    assert fields["count"].min_value == 1 and fields["count"].max_value == 9
    assert isinstance(fields["ratio"], forms.FloatField) and not fields["ratio"].required
    assert isinstance(fields["verbose"], forms.BooleanField)
    assert [c[0] for c in fields["family"].choices] == ["", "ipv4", "ipv6"]
    assert isinstance(fields["password"].widget, forms.PasswordInput)
    assert fields["password"].widget.render_value is False


def test_the_input_leaves_out_empty_optional_members(everything):
    form = command_form_class("everything")({"host": "a", "count": "3", "family": ""})
    assert form.is_valid(), form.errors
    assert form.input() == {"host": "a", "count": 3, "verbose": False}


def test_a_type_without_input_has_no_field():
    form = command_form_class("reboot")({})
    assert form.is_valid() and not form.fields and form.input() is None


def test_an_unknown_type_is_a_key_error():
    with pytest.raises(KeyError):
        command_form_class("nope")


RUNNING = {
    "general": {"hostname": "r1", "timezone": "UTC"},
    "ntp": {"enabled": True, "server": ["a", "b"]},
    "interfaces": [{"name": "lo", "type": "loopback"}, {"name": "eth1", "type": "ethernet"}],
}
TEMPLATES = {
    "general": {"timezone": "UTC"},
    "ntp": {"enabled": True, "server": ["a", "b"]},
    "interfaces": [{"name": "lo", "type": "loopback"}, {"name": "eth9", "type": "ethernet"}],
}


def test_what_the_templates_give_is_not_proposed_again():
    assert adopt.subtract(RUNNING, TEMPLATES) == {
        "general": {"hostname": "r1"},
        "interfaces": [{"name": "eth1", "type": "ethernet"}],
    }
    assert adopt.covered_part(RUNNING, TEMPLATES) == {
        "general": {"timezone": "UTC"},
        "ntp": {"enabled": True, "server": ["a", "b"]},
        "interfaces": [{"name": "lo", "type": "loopback"}],
    }
    assert adopt.subtract(RUNNING, {}) == RUNNING
    assert adopt.subtract(RUNNING, RUNNING) is None


def test_a_value_the_templates_give_otherwise_stays_the_devices():
    assert adopt.subtract({"general": {"timezone": "CET"}}, TEMPLATES) == {
        "general": {"timezone": "CET"}
    }


@pytest.mark.parametrize("native", ["", "hello", "Permission denied"])
def test_an_answer_that_is_no_uci_export_is_refused(native):
    with pytest.raises(adopt.AdoptError, match="not a UCI export"):
        adopt.parse(native)


def test_a_uci_export_becomes_netjson():
    native = "package system\n\nconfig system 'system'\n\toption hostname 'r1'\n"
    assert adopt.parse(native) == {"general": {"hostname": "r1"}}
