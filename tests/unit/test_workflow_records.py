"""The records of the unit of work, combined without a database."""

from types import SimpleNamespace

import pytest

from django_netjsonconfig import queue
from django_netjsonconfig.devices.records import Render, _merge
from django_netjsonconfig.workflow import unit

OLD, NEW = SimpleNamespace(pk=1, name="old"), SimpleNamespace(pk=1, name="new")


@pytest.mark.parametrize(
    ("first", "second", "kept"),
    [
        ("config_changed", "m2m_templates_changed", "m2m_templates_changed"),
        ("m2m_templates_changed", "config_changed", "m2m_templates_changed"),
        ("config_changed", "related_template_changed", "related_template_changed"),
        ("related_template_changed", "m2m_templates_changed", "m2m_templates_changed"),
        ("config_changed", "config_changed", "config_changed"),
    ],
)
def test_two_renders_of_a_config_are_one_with_the_strongest_reason(first, second, kept):
    merged = _merge(Render(OLD, first), Render(NEW, second))
    assert merged.action == kept
    assert merged.config is NEW  # the latest instance


def test_a_config_created_in_the_unit_stays_a_creation():
    assert _merge(Render(OLD, None, True), Render(NEW, "m2m_templates_changed")).action is None
    assert _merge(Render(OLD, "config_changed"), Render(NEW, None)).action is None


def test_initial_templates_are_given_only_if_no_record_set_templates():
    assert _merge(Render(OLD, None, True), Render(NEW, None, True)).initial
    assert not _merge(Render(OLD, None, True), Render(NEW, "m2m_templates_changed")).initial


def test_a_record_of_an_unknown_kind_is_refused():
    with pytest.raises(LookupError):
        unit.Unit("default", None, None, False).add("no-such-kind", 1, object())


def test_unknown_background_work_is_refused():
    with pytest.raises(queue.UnknownTask):
        unit.background("no-such-work")
