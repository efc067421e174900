"""The ``instance`` of every public signal is the object as its row is: each field the
instance has loaded equals the database row, when the receiver runs.

A receiver may save the instance it gets: a field loaded with the wrong value (say the
device's key in its name) would be written back to the database. The instances the
device endpoints build from the poll cache are checked with the cache cold (the poll
reads the row) and warm (the poll reads nothing); these suites also run against the
sample extension, whose models order their fields differently.
"""

import uuid
from contextlib import contextmanager

import pytest

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs, devices
from django_netjsonconfig.polling import cache as pollcache
from django_netjsonconfig.vpn import servers as vpns

from ..factories import OPENWRT, DeviceFactory, DeviceGroupFactory, TemplateFactory, make_config
from ..helpers import register
from ..vpn_helpers import WIREGUARD, make_vpn, make_vpn_template

pytestmark = pytest.mark.django_db

SIGNALS = {
    name: getattr(signals, name)
    for name in (
        "config_modified",
        "config_status_changed",
        "config_backend_changed",
        "checksum_requested",
        "config_download_requested",
        "device_registered",
        "device_name_changed",
        "device_group_changed",
        "group_templates_changed",
        "management_ip_changed",
        "vpn_server_modified",
        "vpn_peers_changed",
        "subnet_provisioned",
    )
}


def _comparable(value):
    return bytes(value) if isinstance(value, memoryview) else value


def differences(instance):
    """``{field: (instance value, row value)}`` of the loaded fields that differ from the
    row (``{"<row>": ...}`` if there is no row)."""
    model = type(instance)
    loaded = [f.attname for f in model._meta.concrete_fields if f.attname in instance.__dict__]
    row = model._base_manager.filter(pk=instance.pk).values(*loaded).first()
    if row is None:
        return {"<row>": (instance.pk, None)}
    return {
        name: (getattr(instance, name), row[name])
        for name in loaded
        if _comparable(getattr(instance, name)) != _comparable(row[name])
    }


class Checked:
    """What the signals sent in a block, each instance compared with its row when the
    receiver ran."""

    def __init__(self):
        self.calls = []  # (signal name, instance, differences)

    def names(self):
        return [name for name, _instance, _diff in self.calls]

    def assert_consistent(self, *expected):
        """Every instance equals its row; each of ``expected`` was sent."""
        wrong = [(name, type(i).__name__, diff) for name, i, diff in self.calls if diff]
        assert not wrong, f"signal instances that differ from their rows: {wrong}"
        missing = [name for name in expected if name not in self.names()]
        assert not missing, f"not sent: {missing} (sent: {self.names()})"


@pytest.fixture
def checked(django_capture_on_commit_callbacks):
    """``with checked() as sent:``: the signals sent in the block (on-commit callbacks
    run at its end), each instance compared with its row at once."""

    @contextmanager
    def block():
        result = Checked()
        receivers = []
        for name, signal in SIGNALS.items():

            def receiver(sender, instance=None, _name=name, **kwargs):
                result.calls.append((_name, instance, differences(instance)))

            signal.connect(receiver, weak=False)
            receivers.append((signal, receiver))
        try:
            with django_capture_on_commit_callbacks(execute=True):
                yield result
        finally:
            for signal, receiver in receivers:
                signal.disconnect(receiver)

    return block


@pytest.fixture(params=["cold", "warm"])
def poll_cache(request, device_client):
    """``prepare(device)``: the device polled once, then its poll cache entry dropped
    (cold: the next poll reads the row) or kept (warm: the next poll reads nothing)."""

    def prepare(device, **params):
        # the first poll records the addresses (which drops the entry), the second one
        # reads the row into the cache
        for _poll in range(2):
            response = device_client.get(
                f"/controller/checksum/{device.pk.hex}/", {"key": device.key, **params}
            )
            assert response.status_code == 200
        cache = pollcache.get_cache()
        if request.param == "cold":
            cache.clear_local()
            assert cache.get(device.pk) is None
        else:
            assert cache.get(device.pk) is not None

    return prepare


def fresh(device):
    return get_model("device").objects.get(pk=device.pk)


@pytest.mark.parametrize("endpoint", ["checksum", "download-config"])
@pytest.mark.parametrize("path", ["controller/", "controller/device/"])
def test_a_poll_sends_the_device_as_its_row(checked, device_client, poll_cache, endpoint, path):
    device = make_config().device
    poll_cache(device)
    expected = "checksum_requested" if endpoint == "checksum" else "config_download_requested"
    with checked() as sent:
        response = device_client.get(f"/{path}{endpoint}/{device.pk.hex}/", {"key": device.key})
    assert response.status_code == 200
    sent.assert_consistent(expected)
    instance = sent.calls[0][1]
    device = fresh(device)
    assert (instance.pk, instance.name, instance.key) == (device.pk, device.name, device.key)


@pytest.mark.parametrize("endpoint", ["checksum", "download-config"])
def test_a_poll_with_new_addresses_sends_the_device_as_its_row(
    checked, device_client, poll_cache, endpoint
):
    device = make_config().device
    poll_cache(device, management_ip="10.0.0.1")
    expected = "checksum_requested" if endpoint == "checksum" else "config_download_requested"
    with checked() as sent:
        response = device_client.get(
            f"/controller/{endpoint}/{device.pk.hex}/",
            {"key": device.key, "management_ip": "10.0.0.2"},
            REMOTE_ADDR="192.168.1.77",
        )
    assert response.status_code == 200
    sent.assert_consistent(expected, "management_ip_changed")
    device = fresh(device)
    assert (device.management_ip, device.last_ip) == ("10.0.0.2", "192.168.1.77")
    for _name, instance, _diff in sent.calls:
        assert (instance.name, instance.key) == (device.name, device.key)


def test_the_device_that_loses_its_management_ip_is_sent_as_its_row(
    checked, device_client, poll_cache
):
    holder = DeviceFactory(management_ip="10.0.0.9")
    device = make_config().device
    poll_cache(device)
    with checked() as sent:
        response = device_client.get(
            f"/controller/checksum/{device.pk.hex}/",
            {"key": device.key, "management_ip": "10.0.0.9"},
        )
    assert response.status_code == 200
    sent.assert_consistent("checksum_requested", "management_ip_changed")
    changed = {i.pk: i for name, i, _d in sent.calls if name == "management_ip_changed"}
    assert set(changed) == {holder.pk, device.pk}
    assert changed[holder.pk].management_ip is None


def test_registration_sends_the_device_as_its_row(checked, device_client, secret):
    with checked() as sent:
        response = register(device_client, secret, name="router-1", management_ip="10.0.0.5")
    assert response.status_code == 201
    sent.assert_consistent("device_registered")
    device = get_model("device").objects.get()
    with checked() as sent:
        response = register(
            device_client, secret, name="router-2", key=device.key, os="OpenWrt 23.05"
        )
    assert response.status_code == 201
    sent.assert_consistent("device_registered", "device_name_changed")


def test_report_status_sends_the_config_as_its_row(checked, device_client, poll_cache):
    device = make_config().device
    poll_cache(device)
    with checked() as sent:
        response = device_client.post(
            f"/controller/report-status/{device.pk.hex}/",
            {"key": device.key, "status": "error", "error_reason": "boom"},
        )
    assert response.status_code == 200
    sent.assert_consistent("config_status_changed")


def test_the_signals_of_the_services_send_instances_as_their_rows(checked):
    group = DeviceGroupFactory()
    template = TemplateFactory()
    config = make_config(templates=[template])
    device = fresh(config.device)
    with checked() as sent:
        device.name = "renamed"
        device.group = group
        device.management_ip = "10.1.1.1"
        device.save()
    sent.assert_consistent("device_name_changed", "device_group_changed", "management_ip_changed")

    config = get_model("config").objects.get(pk=config.pk)
    with checked() as sent:
        config.config = {"general": {"timezone": "Europe/Rome"}}
        configs.save(config, templates=[template])
    sent.assert_consistent("config_modified")

    with checked() as sent:
        config.backend = "netjsonconfig.OpenWisp"
        configs.save(config, templates=[])
    sent.assert_consistent("config_backend_changed")

    with checked() as sent:
        group.templates.add(TemplateFactory(backend=OPENWRT))
    sent.assert_consistent("group_templates_changed")

    config = get_model("config").objects.get(pk=config.pk)
    with checked() as sent:
        configs.set_status(config, "applied")
    sent.assert_consistent("config_status_changed")


def test_the_signals_of_vpn_servers_send_instances_as_their_rows(checked):
    vpn = make_vpn(WIREGUARD)
    template = make_vpn_template(vpn)
    with checked() as sent:
        make_config(templates=[template])
    sent.assert_consistent("vpn_peers_changed")
    with checked() as sent:
        vpn.host = "other.example.com"
        vpns.save(vpn)
    sent.assert_consistent("vpn_server_modified")


def test_an_unknown_device_sends_nothing(checked, device_client):
    with checked() as sent:
        response = device_client.get(f"/controller/checksum/{uuid.uuid4().hex}/", {"key": "k"})
    assert response.status_code == 404
    assert sent.calls == []


def test_devices_service_keeps_the_instance_it_updates_as_its_row(checked):
    device = make_config().device
    other = DeviceFactory(management_ip="10.2.2.2", last_ip="192.168.5.5")
    with checked() as sent:
        devices.update_addresses(fresh(device), "192.168.5.5", "10.2.2.2", cleanup=True)
    sent.assert_consistent("management_ip_changed")
    other = fresh(other)
    assert (other.management_ip, other.last_ip) == (None, None)


@pytest.mark.parametrize("endpoint", ["checksum", "download-config"])
def test_a_vpn_server_poll_sends_the_server_as_its_row(checked, device_client, endpoint):
    vpn = make_vpn(WIREGUARD)
    expected = "checksum_requested" if endpoint == "checksum" else "config_download_requested"
    with checked() as sent:
        response = device_client.get(f"/controller/vpn/{endpoint}/{vpn.pk.hex}/", {"key": vpn.key})
    assert response.status_code == 200
    sent.assert_consistent(expected)
    assert sent.calls[0][1].pk == vpn.pk
