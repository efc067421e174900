"""Two devices getting an address of the same VPN server at the same moment never get
the same one: the database's unique constraint settles it, the loser takes the next."""

import threading

import pytest
from django.db import connection

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.vpn import addresses

from ..factories import DeviceFactory, make_config
from ..vpn_helpers import VXLAN, WIREGUARD, make_vpn, make_vpn_template

THREADS = 6


def provision_at_once(template, devices):
    barrier = threading.Barrier(len(devices))
    errors = []

    def provision(device):
        try:
            barrier.wait(timeout=20)
            make_config(device, templates=[template])
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=provision, args=(d,)) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_devices_provisioned_at_the_same_moment_get_distinct_addresses_and_vnis():
    vpn = make_vpn(VXLAN, subnet="10.20.0.0/24")
    template = make_vpn_template(vpn)
    devices = [DeviceFactory() for _ in range(THREADS)]

    errors = provision_at_once(template, devices)

    assert errors == []
    clients = get_model("vpnclient").objects.filter(vpn=vpn)
    ips = list(clients.values_list("ip_address", flat=True))
    vnis = list(clients.values_list("vni", flat=True))
    assert len(ips) == THREADS and len(set(ips)) == THREADS
    assert vpn.ip_address not in ips
    assert sorted(vnis) == list(range(1, THREADS + 1))
    assert not get_model("config").objects.filter(status="error").exists()


@pytest.mark.django_db(transaction=True)
def test_a_lost_race_for_an_address_takes_the_next_free_one(monkeypatch):
    vpn = make_vpn(WIREGUARD, subnet="10.21.0.0/24")
    template = make_vpn_template(vpn)
    first = make_config(templates=[template])
    taken = get_model("vpnclient").objects.get(config=first).ip_address
    real_next_free = addresses.next_free
    calls = []

    def stale_next_free(net, used):
        # the first answer is what a concurrent transaction saw before the other committed
        calls.append(1)
        if len(calls) == 1:
            return addresses.ipaddress.ip_address(taken)
        return real_next_free(net, used)

    monkeypatch.setattr(addresses, "next_free", stale_next_free)
    second = make_config(templates=[template])

    client = get_model("vpnclient").objects.get(config=second)
    assert client.ip_address not in (taken, vpn.ip_address)
    assert len(calls) >= 2
