"""The archive cache behind one function: ``rendering.archivecache.archive_for``."""

import hashlib
import uuid

import pytest

from django_netjsonconfig.rendering import archivecache

ARCHIVE = b"\x1f\x8b archive bytes"
CHECKSUM = hashlib.md5(ARCHIVE).hexdigest()


@pytest.fixture
def loads():
    calls = []

    def load(archive=ARCHIVE, name="ap-1"):
        def loader():
            calls.append(name)
            return archive, name

        return loader

    load.calls = calls
    return load


def test_a_loaded_archive_is_kept_and_served_without_loading_again(loads):
    config_id = uuid.uuid4()
    assert archivecache.archive_for(config_id, CHECKSUM, loads()) == (ARCHIVE, "ap-1")
    assert archivecache.archive_for(config_id, CHECKSUM, loads(name="other")) == (ARCHIVE, "ap-1")
    assert loads.calls == ["ap-1"]


def test_a_name_that_changed_loads_again(loads):
    config_id = uuid.uuid4()
    archivecache.archive_for(config_id, CHECKSUM, loads())
    found = archivecache.archive_for(
        config_id, CHECKSUM, loads(name="ap-2"), name_is=lambda name: name == "ap-2"
    )
    assert found == (ARCHIVE, "ap-2")
    assert loads.calls == ["ap-1", "ap-2"]


def test_bytes_that_are_not_the_checksums_are_answered_but_never_kept(loads):
    config_id = uuid.uuid4()
    other = b"other bytes"
    assert archivecache.archive_for(config_id, CHECKSUM, loads(archive=other)) == (other, "ap-1")
    assert archivecache.get_cache().get(config_id, CHECKSUM) is None
    archivecache.archive_for(config_id, CHECKSUM, loads())
    assert loads.calls == ["ap-1", "ap-1"]
