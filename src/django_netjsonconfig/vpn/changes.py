"""What a change of a VPN server, of its peers or of a certificate makes follow.

A change of what the clients' configs show marks those configs for re-rendering; a
change of a server's peers marks its stored render out of date (rendered at its
agent's next request). ``vpn_server_modified`` and ``vpn_peers_changed`` are sent
after commit, once per transaction and server.
"""

from typing import Any

from django.db.models import F, Q, QuerySet
from django.dispatch import Signal

from .. import signals
from ..apps import get_model, get_optional_model
from ..devices import pending as fanout
from ..workflow.sending import send_once_on_commit
from .kinds import uses_keys
from .server_config import refresh

# fields whose change alters what the clients' configs contain
CLIENT_FIELDS = {
    "host",
    "backend",
    "config",
    "ca_id",
    "public_key",
    "subnet",
    "ip_address",
    "division_label",
    "division_master_subnet",
    "division_size",
    "division_number_of_subnets",
    "division_number_of_ips",
}
SERVER_FIELDS = CLIENT_FIELDS | {"cert_id", "dh", "private_key", "name", "key"}


def client_configs(vpn: Any) -> QuerySet[Any]:
    """The configs that use ``vpn`` (through a VPN template or a client), as a queryset."""
    config_model = get_model("config")
    with_clients = get_model("vpnclient").objects.filter(vpn=vpn).values("config_id")
    with_templates = config_model.objects.filter(templates__vpn=vpn).values("pk")
    return config_model.objects.filter(Q(pk__in=with_clients) | Q(pk__in=with_templates))


def peers_changed(vpn_id: Any) -> bool:
    """A client was added to or removed from the server: its stored render is out of date
    (rendered at its next request) and, for WireGuard and VXLAN, ``vpn_peers_changed``
    is sent after commit (once per transaction and server)."""
    vpn_model = get_model("vpn")
    vpn = vpn_model.objects.filter(pk=vpn_id).first()
    if vpn is None or not uses_keys(vpn):
        return False
    vpn_model.objects.filter(pk=vpn_id).update(render_pending=F("render_pending") + 1)
    vpn.refresh_from_db(fields=["render_pending"])  # the signal's instance is the row
    on_commit_once(signals.vpn_peers_changed, vpn)
    return True


def on_commit_once(signal: Signal, vpn: Any) -> None:
    """Send ``signal`` for the server ``vpn`` once the transaction commits, once however
    many times the transaction changed it."""
    send_once_on_commit(signal, type(vpn), ("vpn", vpn.pk), instance=vpn)


def certificate_changed(obj: Any) -> None:
    """A CA or certificate got a new certificate text (renewed, replaced): re-render what
    shows it."""
    vpn_model = get_optional_model("vpn")
    if vpn_model is None:
        return
    config_model = get_model("config")
    if any(f.name == "ca" for f in obj._meta.concrete_fields):  # a certificate
        servers = vpn_model.objects.filter(cert=obj)
        client_model = get_model("vpnclient")
        users = client_model.objects.filter(cert=obj).values("config_id")
        fanout.mark(config_model.objects.filter(pk__in=users), "config_changed")
    else:  # a CA: its servers, and every client of them (ca_contents)
        servers = vpn_model.objects.filter(ca=obj)
        for vpn in servers:
            fanout.mark(client_configs(vpn), "related_template_changed")
    for vpn in servers.select_related("ca", "cert"):
        vpn_model.objects.filter(pk=vpn.pk).update(render_pending=F("render_pending") + 1)
        refresh(vpn)
        on_commit_once(signals.vpn_server_modified, vpn)
