"""Address arithmetic for VPN ranges and subnet division (``ipaddress`` only, no database).

Allocation itself (what is taken, the database constraint that settles a race)
is in ``vpn.allocation`` and ``vpn.clients``; these functions only answer "which is the next
free one" and "what is the n-th block", in time proportional to the number of
addresses taken, whatever the size of the range.
"""

import ipaddress
from collections.abc import Iterable
from typing import Any

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def network(value: Any) -> IPNetwork:
    return ipaddress.ip_network(value, strict=True)


def host_bounds(net: IPNetwork) -> tuple[int, int]:
    """First and last usable address of ``net``, as integers."""
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4:
        if net.prefixlen <= 30:
            return first + 1, last - 1
        return first, last  # /31 (point to point) and /32
    if net.prefixlen <= 126:
        return first + 1, last  # the network address is the subnet-router anycast
    return first, last


def first_host(net: IPNetwork) -> IPAddress:
    first, _last = host_bounds(net)
    return ipaddress.ip_address(first) if net.version == 4 else ipaddress.IPv6Address(first)


def _address(version: int, value: int) -> IPAddress:
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def next_free(net: IPNetwork, taken: Iterable[Any]) -> IPAddress | None:
    """The lowest usable address of ``net`` not in ``taken`` (addresses or strings);
    None when the range is full."""
    used = set()
    for item in taken:
        if item:
            address = ipaddress.ip_address(str(item))
            if address.version == net.version:
                used.add(int(address))
    first, last = host_bounds(net)
    candidate = first
    while candidate <= last:
        if candidate not in used:
            return _address(net.version, candidate)
        candidate += 1
    return None


def capacity(net: IPNetwork) -> int:
    first, last = host_bounds(net)
    return max(0, last - first + 1)


def contains(net: IPNetwork, address: Any) -> bool:
    try:
        address = ipaddress.ip_address(str(address))
    except ValueError:
        return False
    first, last = host_bounds(net)
    return address.version == net.version and first <= int(address) <= last


# --- subnet division -----------------------------------------------------------------------------
def division_capacity(master: IPNetwork, size: int, per_client: int) -> int:
    """How many clients a master subnet has room for."""
    if size < master.prefixlen or size > master.max_prefixlen:
        return 0
    subnets = 2 ** (size - master.prefixlen)
    return subnets // per_client


def division_block(master: IPNetwork, size: int, per_client: int, index: int) -> list[IPNetwork]:
    """The ``per_client`` subnets of prefix ``size`` of the client with ``index``."""
    step = 2 ** (master.max_prefixlen - size)
    base = int(master.network_address) + index * per_client * step
    return [
        ipaddress.ip_network((_address(master.version, base + i * step), size))
        for i in range(per_client)
    ]


def division_hosts(subnet: IPNetwork, count: int) -> list[IPAddress]:
    first, last = host_bounds(subnet)
    return [_address(subnet.version, first + i) for i in range(count) if first + i <= last]
