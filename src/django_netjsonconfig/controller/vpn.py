"""Generic views of the VPN server agent: the checksum and the archive of a server's
configuration, authenticated by the server's ``key``.

Same conventions as the device endpoints: plain text, ``X-Openwisp-Controller:
true`` on every answer, 4xx with a message, the key compared in constant time.
``model`` is the concrete ``Vpn`` (found through the app config when unset).
"""

import hmac
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse

from .. import signals
from ..apps import get_optional_model
from ..vpn import servers as vpns
from .base import ControllerView, parse_uuid
from .responses import ControllerResponse, Refused


class VpnView(ControllerView):
    http_method_names = ["get"]

    def answer(self, vpn_id: uuid.UUID, checksum: str) -> HttpResponse:
        raise NotImplementedError

    @property
    def vpn_model(self) -> Any:
        model = self.model or get_optional_model("vpn")
        if model is None:
            raise Refused("error: VPN servers are not enabled", 404)
        return model

    def get_vpn(self, pk: object, params: dict[str, str]) -> tuple[uuid.UUID, str]:
        """``(key, checksum)`` of the server ``pk`` authenticated by ``key``."""
        self.require(params, "key")
        vpn_id = parse_uuid(pk)
        found = vpns.current(self.vpn_model, vpn_id)
        if found is None:
            raise Refused("error: VPN server not found", 404)
        key, checksum = found
        if not hmac.compare_digest(str(key).encode(), params["key"].encode()):
            raise Refused("error: wrong key", 403)
        if checksum is None:
            raise Refused("error: configuration cannot be rendered", 503)
        return vpn_id, checksum

    def get(self, request: HttpRequest, pk: object) -> HttpResponse:
        params = self.params(request)
        vpn_id, checksum = self.get_vpn(pk, params)
        response = self.answer(vpn_id, checksum)
        if self.signal.receivers and self.signal.has_listeners(self.vpn_model):
            instance = self.vpn_model.objects.filter(pk=vpn_id).first()
            if instance is None:  # deleted since it was read
                raise Refused("error: VPN server not found", 404)
            self.send_on_commit(self.signal, type(instance), instance=instance, request=request)
        return response


class BaseVpnChecksumView(VpnView):
    """GET: the MD5 of the VPN server's configuration archive."""

    signal = signals.checksum_requested

    def answer(self, vpn_id: uuid.UUID, checksum: str) -> HttpResponse:
        return ControllerResponse.ok(checksum)


class BaseVpnDownloadConfigView(VpnView):
    """GET: the VPN server's configuration archive (tar.gz)."""

    signal = signals.config_download_requested

    def answer(self, vpn_id: uuid.UUID, checksum: str) -> HttpResponse:
        archive = vpns.stored_archive(self.vpn_model, vpn_id, checksum)
        if archive is None:
            raise Refused("error: configuration cannot be rendered", 503)
        name = self.vpn_model.objects.filter(pk=vpn_id).values_list("name", flat=True).first()
        response = ControllerResponse.ok(archive, content_type="application/octet-stream")
        response["Content-Disposition"] = f"attachment; filename={name}.tar.gz"
        return response
