"""What a VPN client is given from its server's ranges: an address, a VNI, a block of subnets.

The lowest free one, chosen here; a unique constraint in the database settles a
race (the loser of two transactions picks the next one, see ``vpn.clients``).
:func:`check` refuses, before anything is saved, templates a config cannot have.
"""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ..apps import get_model, get_optional_model
from ..base.vpn import VNI_MAX
from ..rendering.render import RenderError
from . import addresses
from .addresses import IPAddress
from .kinds import has_division


def check(config: Any, templates: Iterable[Any]) -> None:
    """Refuse (``ValidationError`` on ``templates``) templates that cannot be given to
    ``config``: two templates of one server, a server whose range or subnet division has
    no room for a new client."""
    client_model = get_optional_model("vpnclient")
    if client_model is None:
        return
    seen: dict[Any, Any] = {}
    for template in templates:
        if template.type != "vpn" or not template.vpn_id:
            continue
        if template.vpn_id in seen:
            raise ValidationError(
                {
                    "templates": f'"{seen[template.vpn_id]}" and "{template}" are both clients '
                    f'of the VPN server "{template.vpn}": choose one.'
                }
            )
        seen[template.vpn_id] = template
    if not seen:
        return
    has: set[Any] = set()
    if config.pk is not None and not config._state.adding:
        has = set(client_model.objects.filter(config_id=config.pk).values_list("vpn_id", flat=True))
    for vpn_id, template in seen.items():
        if vpn_id in has or not template.auto_cert:
            continue
        vpn = template.vpn
        try:
            next_address(vpn, None)
            next_division(vpn, None)
        except RenderError as exc:
            raise ValidationError({"templates": exc.message}) from None


def taken(vpn: Any, client: Any, field: str) -> QuerySet[Any, Any]:
    qs = get_model("vpnclient").objects.filter(vpn=vpn).exclude(**{f"{field}__isnull": True})
    if client is not None and client.pk is not None and not client._state.adding:
        qs = qs.exclude(pk=client.pk)
    return qs.values_list(field, flat=True)


def next_address(vpn: Any, client: Any) -> IPAddress | None:
    if not vpn.subnet:
        return None
    net = addresses.network(vpn.subnet)
    used = list(taken(vpn, client, "ip_address")) + [vpn.ip_address]
    found = addresses.next_free(net, used)
    if found is None:
        raise RenderError(f'VPN server "{vpn}": its address range {net} is full.')
    return found


def lowest_free(values: Iterable[Any], start: int) -> int:
    used = set(values)
    value = start
    while value in used:
        value += 1
    return value


def next_vni(vpn: Any, client: Any) -> int:
    vni = lowest_free(taken(vpn, client, "vni"), 1)
    if vni > VNI_MAX:
        raise RenderError(f'VPN server "{vpn}": every VNI is taken.')
    return vni


def next_division(vpn: Any, client: Any) -> int | None:
    if not has_division(vpn):
        return None
    master = addresses.network(vpn.division_master_subnet)
    room = addresses.division_capacity(master, vpn.division_size, vpn.division_number_of_subnets)
    index = lowest_free(taken(vpn, client, "division_index"), 0)
    if index >= room:
        raise RenderError(
            f'VPN server "{vpn}": the master subnet {master} of its subnet division has no '
            "room for another client."
        )
    return index
