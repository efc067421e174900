"""Global variables and backends that change, and change back, reach every device.

Each render records the settings stamp of the process that made it: when the process's
settings were first seen, and a digest of ``NETJSONCONFIG_CONTEXT`` and
``NETJSONCONFIG_BACKENDS``. A process re-renders the configs rendered with other
settings by a process with older ones. Settings that go back (A, B, A) used to leave
the configs rendered with B: A had been "caught up" once and never again.

Also on PostgreSQL (``make test``): the stamps are compared as text in SQL.
"""

import gzip
import io
import tarfile
from types import SimpleNamespace

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs, pending
from django_netjsonconfig.fleet import fanout
from django_netjsonconfig.rendering import context

from ..factories import DeviceFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db

TEMPLATE = {"files": [{"path": "/etc/site", "mode": "0644", "contents": "site={{ site }}"}]}


def served(client, device):
    """The checksum a poll answers, and the ``site`` the archive downloaded holds."""
    checksum = client.get(f"/controller/checksum/{device.pk}/", {"key": device.key})
    download = client.get(f"/controller/download-config/{device.pk}/", {"key": device.key})
    assert checksum.status_code == download.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(download.content))) as tar:
        site = tar.extractfile("etc/site").read().decode().removeprefix("site=")
    return checksum.content.decode(), site


@pytest.fixture
def devices():
    template = TemplateFactory(config=TEMPLATE, default_values={"site": "default"})
    return [make_config(DeviceFactory(), templates=[template]).device for _ in range(3)]


def test_settings_that_go_back_reach_the_devices(settings, device_client, devices):
    seen = {}
    for site in ("A", "B", "A", "B", "B", "A"):
        settings.NETJSONCONFIG_CONTEXT = {"site": site}  # as after a restart with new settings
        for device in devices:
            checksum, served_site = served(device_client, device)
            assert served_site == site
            # the same bytes each time the same settings come back
            assert seen.setdefault((site, device.pk), checksum) == checksum
        for config in get_model("config").objects.all():
            assert configs.render(config).checksum == config.checksum_db
            assert not config.render_pending
    assert all(seen[("A", d.pk)] != seen[("B", d.pk)] for d in devices)


def test_backends_that_go_back_reach_the_devices(settings, device_client, devices):
    """The stamp covers the backends too: a backend's label is part of its settings."""
    first = context.settings_stamp()
    settings.NETJSONCONFIG_BACKENDS = (("netjsonconfig.OpenWrt", "OpenWrt, relabelled"),)
    second = context.settings_stamp()
    assert second.digest != first.digest and second.text > first.text
    served(device_client, devices[0])
    stamps = set(get_model("config").objects.values_list("context_fingerprint", flat=True))
    assert stamps == {second.text}


def test_a_restart_with_the_same_settings_renders_nothing_again(settings, device_client, devices):
    served(device_client, devices[0])
    before = dict(get_model("config").objects.values_list("pk", "context_fingerprint"))
    settings.NETJSONCONFIG_REGISTRATION_ENABLED = False  # another setting: a new stamp object
    settings.NETJSONCONFIG_REGISTRATION_ENABLED = True
    assert fanout.catch_up_global_context() == 0
    served(device_client, devices[0])
    after = dict(get_model("config").objects.values_list("pk", "context_fingerprint"))
    assert after == before
    assert not get_model("config").objects.filter(render_pending__gt=0).exists()


def stamps_in_order(settings):
    """Stamps of three settings seen one after the other by this process: A, B, A."""
    found = []
    for site in ("A", "B", "A"):
        settings.NETJSONCONFIG_CONTEXT = {"site": site}
        found.append(context.settings_stamp())
    return found


def test_stamps_sort_by_time_and_name_their_settings(settings):
    a1, b2, a3 = stamps_in_order(settings)
    assert a1.text < b2.text < a3.text
    assert len({a1.text, b2.text, a3.text}) == 3 and all(len(s.text) == 16 for s in (a1, b2, a3))
    assert a1.digest == a3.digest != b2.digest
    assert a3.same_settings(a1.text) and not a3.same_settings(b2.text)
    assert a3.same_settings(a1.legacy) and not a3.same_settings(b2.legacy)
    assert not a3.same_settings("") and not a3.same_settings(None)


def test_the_database_compares_stamps_in_time_order(settings):
    """Which stored stamps each process re-renders (stale) and which tell it that it is
    outdated (newer), selected by SQL on this database (SQLite, PostgreSQL)."""
    a1, b2, a3 = stamps_in_order(settings)
    rows = {
        "a1": a1.text,
        "b2": b2.text,
        "a3": a3.text,
        "legacy-a": a1.legacy,
        "legacy-b": b2.legacy,
        "never": "",
    }
    config_model = get_model("config")
    for label, stamp in rows.items():
        config = make_config(DeviceFactory(name=f"stamp-{label}"))
        config_model.objects.filter(pk=config.pk).update(context_fingerprint=stamp)

    def selected(q):
        found = config_model.objects.filter(q).values_list("device__name", flat=True)
        return sorted(name.removeprefix("stamp-") for name in found)

    # the process with A, started last: re-renders B's and the never rendered
    assert selected(a3.stale()) == ["b2", "legacy-b", "never"]
    assert selected(a3.newer()) == []
    # a process with B, older than the last A: re-renders what the first A did
    assert selected(b2.stale()) == ["a1", "legacy-a", "never"]
    assert selected(b2.newer()) == ["a3"]  # it is outdated
    # the first process with A: nothing is older
    assert selected(a1.stale()) == ["legacy-b", "never"]
    assert selected(a1.newer()) == ["b2"]


def test_a_process_recheck_finds_renders_of_an_older_process(
    settings, device_client, devices, monkeypatch
):
    """What a process with older settings renders after this one caught up (here its
    render and stamp, written with SQL) is redone at this process's next check."""
    # the process's clock moves only when the test says so: a slow machine cannot
    # make the interval pass between two steps
    clock = [1000.0]
    monkeypatch.setattr(pending, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    settings.NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL = 60
    config_model = get_model("config")
    config = config_model.objects.get(device=devices[0])
    older, old_render = context.settings_stamp(), configs.render(config)  # site=default
    settings.NETJSONCONFIG_CONTEXT = {"site": "new"}
    newer = context.settings_stamp()
    assert served(device_client, devices[0])[1] == "new"
    clock[0] += 61
    assert fanout.catch_up_global_context() == 0  # nothing stale left
    # the older process renders the config again (a template saved there, say)
    config_model.objects.filter(pk=config.pk).update(
        checksum_db=old_render.checksum, archive=old_render.archive, context_fingerprint=older.text
    )
    assert fanout.catch_up_global_context() == 0  # not before the interval
    clock[0] += 61
    assert served(device_client, devices[0])[1] == "new"
    config.refresh_from_db()
    assert config.context_fingerprint == newer.text
    assert config.checksum_db == configs.render(config).checksum != old_render.checksum


def test_a_process_with_older_settings_leaves_newer_renders_alone(settings, caplog):
    """It only says, once, that it is outdated."""
    settings.NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL = 0.01
    config = make_config(DeviceFactory())
    older = context.settings_stamp()
    settings.NETJSONCONFIG_CONTEXT = {"site": "newer"}
    newer = context.settings_stamp()
    get_model("config").objects.filter(pk=config.pk).update(context_fingerprint=newer.text)
    settings.NETJSONCONFIG_CONTEXT = {}
    # this process now has settings seen after the newer ones: it would be the newest;
    # an older process is one whose stamp is older: check with the older stamp's queries
    assert not get_model("config").objects.filter(older.stale()).exists()
    assert get_model("config").objects.filter(older.newer()).exists()
