"""The checksum endpoint: the MD5 of the device's configuration archive."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from .. import signals
from ..polling.cache import get_cache
from ..polling.records import Cached, Entry
from .base import hex_id_bytes
from .polls import PollView
from .responses import ControllerResponse, Refused

#: the steps of a checksum poll's full path: a subclass that changes one of them (to refuse
#: some polls, to answer differently) and does not define ``settled_answer`` itself gets no
#: settled answers, so that every poll goes through its change
FULL_PATH_STEPS = ("params", "poll_entry", "load_entry", "record_addresses", "answer")


class BaseChecksumView(PollView):
    """GET: the MD5 of the device's configuration archive."""

    cleanup_addresses = True
    signal = signals.checksum_requested

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "settled_answer" in cls.__dict__:
            return
        if any(
            getattr(cls, step) is not getattr(BaseChecksumView, step) for step in FULL_PATH_STEPS
        ):
            cls.settled_answer = PollView.settled_answer  # type: ignore[method-assign]  # None: the full path, always

    def answer(self, entry: Entry | Cached) -> HttpResponse:
        assert entry.checksum is not None  # a usable entry (``poll_entry``)
        return self.checksum_answer(entry.checksum)

    @staticmethod
    def checksum_answer(checksum: str) -> HttpResponse:
        # hex digits: ASCII whatever DEFAULT_CHARSET says (encoded here, not by the
        # response, which would look the charset up through the lazy settings)
        return ControllerResponse.ok(checksum.encode("ascii"))

    def settled_answer(
        self, request: HttpRequest, pk: object, params: dict[str, str]
    ) -> HttpResponse | None:
        """The common poll (the agent's own id form, the right key, the same
        addresses, a current record, nobody listening to ``checksum_requested``)
        answered by ``polling.settled.settled_checksum`` in one call; anything else takes
        the full path, which gives the same answer or the error."""
        key = params.get("key")
        id_bytes = hex_id_bytes(pk)
        if not key or id_bytes is None:
            return None
        if self.signal.receivers and self.signal.has_listeners(self.device_model):
            return None
        management_ip = None
        if params.get("management_ip"):
            try:
                management_ip = self.management_ip(params)
            except Refused:  # the full path says so, after the checks that come first
                return None
        checksum = get_cache().settled_checksum(
            id_bytes, key, request.META.get("REMOTE_ADDR") or None, management_ip
        )
        return None if checksum is None else self.checksum_answer(checksum)
