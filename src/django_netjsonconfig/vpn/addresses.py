"""Address arithmetic for VPN ranges and subnet division (``ipaddress`` only, no database).

Allocation itself (what is taken, the database constraint that settles a race)
is in ``vpn.clients``; these functions only answer "which is the next
free one" and "what is the n-th block", in time proportional to the number of
addresses taken, whatever the size of the range.
"""

import ipaddress


def network(value):
    return ipaddress.ip_network(value, strict=True)


def host_bounds(net):
    """First and last usable address of ``net``, as integers."""
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4:
        if net.prefixlen <= 30:
            return first + 1, last - 1
        return first, last  # /31 (point to point) and /32
    if net.prefixlen <= 126:
        return first + 1, last  # the network address is the subnet-router anycast
    return first, last


def first_host(net):
    first, _last = host_bounds(net)
    return ipaddress.ip_address(first) if net.version == 4 else ipaddress.IPv6Address(first)


def _address(version, value):
    return ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value)


def next_free(net, taken):
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


def capacity(net):
    first, last = host_bounds(net)
    return max(0, last - first + 1)


def contains(net, address):
    try:
        address = ipaddress.ip_address(str(address))
    except ValueError:
        return False
    first, last = host_bounds(net)
    return address.version == net.version and first <= int(address) <= last


# --- subnet division -----------------------------------------------------------------------------
def division_capacity(master, size, per_client):
    """How many clients a master subnet has room for."""
    if size < master.prefixlen or size > master.max_prefixlen:
        return 0
    subnets = 2 ** (size - master.prefixlen)
    return subnets // per_client


def division_block(master, size, per_client, index):
    """The ``per_client`` subnets of prefix ``size`` of the client with ``index``."""
    step = 2 ** (master.max_prefixlen - size)
    base = int(master.network_address) + index * per_client * step
    return [
        ipaddress.ip_network((_address(master.version, base + i * step), size))
        for i in range(per_client)
    ]


def division_hosts(subnet, count):
    first, last = host_bounds(subnet)
    return [_address(subnet.version, first + i) for i in range(count) if first + i <= last]
