"""The poll endpoints' full path: checksum and download answered from the poll cache.

The common case reads no database row (see ``polling``). Each step is a method a
subclass may change; the verdict on a poll is ``polling.decision.decide``, the same
function the checksum's settled answer uses.
"""

import uuid
from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from ..devices import configs, devices
from ..devices import pending as fanout
from ..polling.cache import PollCache, get_cache
from ..polling.decision import NEW_ADDRESSES, NO_CONFIG, RENDER, WRONG_KEY, decide
from ..polling.records import Cached, Entry
from .base import ControllerView, instance_from_values, parse_uuid
from .responses import Refused


class PollView(ControllerView):
    """The checksum and download endpoints: answered from the poll cache.

    The common case reads no database row: the device's key, checksum and
    addresses come from the process (see ``polling.cache``). A config
    waiting for a re-render is rendered here and now.
    """

    cleanup_addresses = False

    def poll_entry(self, pk: object, params: dict[str, str]) -> tuple[uuid.UUID, Entry | Cached]:
        """The device's poll entry, checked: the key, then the config, then a render
        if one is due (the verdicts of ``polling.decision.decide``, in its order)."""
        self.require(params, "key")
        device_id = parse_uuid(pk)
        cache = get_cache()
        entry: Entry | Cached | None = cache.get(device_id)
        if entry is None:
            entry = self.load_entry(device_id, cache)
        key = params["key"]
        for _attempt in range(3):
            # the key (in constant time), the config, a render due: not the addresses yet
            verdict = decide(
                entry.flags,
                entry.key_digest,
                entry.last_ip_crc,
                entry.management_ip_crc,
                key,
                addresses=False,
            )
            if verdict is WRONG_KEY:
                raise Refused("error: wrong key", 403)
            if verdict is NO_CONFIG:
                raise Refused("error: device has no configuration", 404)
            if verdict is not RENDER:
                return device_id, entry
            self.render_now(entry)
            entry = self.load_entry(device_id, cache)
        raise Refused("error: configuration cannot be rendered", 503)

    ENTRY_FIELDS = (
        "key",
        "name",
        "last_ip",
        "management_ip",
        "config__id",
        "config__checksum_db",
        "config__render_pending",
    )

    def load_entry(self, device_id: uuid.UUID, cache: PollCache) -> Entry:
        cache.warm(self.warm_rows)
        generation = cache.current_generation(device_id)
        row = self.device_model.objects.filter(pk=device_id).values_list(*self.ENTRY_FIELDS).first()
        if row is None:
            raise Refused("error: device not found", 404)
        key, name, last_ip, management_ip, config_id, checksum, pending = row
        entry = Entry(
            generation, key, name, last_ip, management_ip, config_id, checksum, bool(pending)
        )
        if entry.usable() and config_id is not None:
            cache.put(device_id, entry)
        return entry

    def warm_rows(self, after: uuid.UUID | None, limit: int) -> Sequence[Sequence[Any]]:
        """Rows of poll cache entries, by device id, for ``PollCache.warm``."""
        devices = self.device_model.objects.order_by("pk")
        if after is not None:
            devices = devices.filter(pk__gt=after)
        return list(devices.values_list("pk", *self.ENTRY_FIELDS)[:limit])

    def render_now(self, entry: Entry | Cached) -> None:
        config = (
            self.config_model.objects.select_related("device", "device__group")
            .filter(pk=entry.config_id)
            .first()
        )
        if config is None:
            raise Refused("error: device has no configuration", 404)
        configs.refresh(config, config.render_action or "config_changed")

    def device_instance(self, device_id: uuid.UUID, entry: Entry | Cached) -> Model:
        """The device, with the fields the entry holds (the others load on access):
        all the addresses' bookkeeping needs from an entry read from the database,
        only the id from a cached record."""
        values: dict[str, Any] = {self.device_model._meta.pk.attname: device_id}
        if isinstance(entry, Entry):
            values.update(
                key=entry.key,
                name=entry.name,
                last_ip=entry.last_ip,
                management_ip=entry.management_ip,
            )
        return instance_from_values(self.device_model, values)

    def record_addresses(
        self,
        request: HttpRequest,
        params: dict[str, str],
        device_id: uuid.UUID,
        entry: Entry | Cached,
    ) -> Model | None:
        """Record a new address; returns the device instance if one had to be built."""
        last_ip = self.remote_addr(request)
        management_ip = self.management_ip(params)
        # the key was checked by ``poll_entry``, the step before
        verdict = decide(
            entry.flags,
            entry.key_digest,
            entry.last_ip_crc,
            entry.management_ip_crc,
            "",
            last_ip,
            management_ip,
            check_key=False,
        )
        if verdict is not NEW_ADDRESSES:
            return None
        device: Model | None
        if isinstance(entry, Entry):
            device = self.device_instance(device_id, entry)
        else:  # a cached record holds digests of the addresses: read them
            device = self.device_model.objects.filter(pk=device_id).first()
            if device is None:
                raise Refused("error: device not found", 404)
        devices.update_addresses(device, last_ip, management_ip, cleanup=self.cleanup_addresses)
        return device

    def settled_answer(
        self, request: HttpRequest, pk: object, params: dict[str, str]
    ) -> HttpResponse | None:
        """An answer from what the process holds alone, or None for the full path
        (errors, a miss, new addresses, a listener of ``signal``). None here."""
        return None

    def answer(self, entry: Entry | Cached) -> HttpResponse:
        raise NotImplementedError

    def get(self, request: HttpRequest, pk: object) -> HttpResponse:
        params = self.params(request)
        fanout.catch_up_global_context()
        response = self.settled_answer(request, pk, params)
        if response is not None:
            return response
        device_id, entry = self.poll_entry(pk, params)
        device = self.record_addresses(request, params, device_id, entry)
        response = self.answer(entry)
        # the instance is built only for a listener (no receiver at all: nothing to ask)
        if self.signal.receivers and self.signal.has_listeners(self.device_model):
            device = device or self.device_instance(device_id, entry)
            self.send_on_commit(self.signal, self.device_model, instance=device, request=request)
        return response
