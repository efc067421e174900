"""A Python stand-in for the openwisp-config agent, for tests and benchmarks.

It sends what the stock agent sends (paths, methods, parameter names and order,
consistent key) and reads answers the way the agent does. See ``docs/protocol.md``.
The HTTP layer is a pluggable ``transport(method, path, params) -> (status, headers, body)``:
GET parameters go in the query string, POST parameters in a url-encoded body.
``client_transport`` wraps Django's test client, ``http_transport`` a live server.
"""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Answer = tuple[int, Mapping[str, str], bytes]  # status, headers, body
Transport = Callable[[str, str, dict[str, str]], Answer]
BACKEND = "netjsonconfig.OpenWrt"
FORM = "application/x-www-form-urlencoded"


class AgentError(Exception):
    """The server answered something the agent cannot accept."""

    def __init__(self, message: str, status: int | None = None, body: bytes = b"") -> None:
        super().__init__(f"{message} (HTTP {status}): {body[:200]!r}" if status else message)
        self.status, self.body = status, body


class NotAController(AgentError):
    """The answer lacks ``X-Openwisp-Controller: true`` (the real agent exits, code 4)."""


class DeviceGone(AgentError):
    """checksum answered 404: the real agent retries, then shuts down (no re-registration)."""


def consistent_key(keybase: str, secret: str) -> str:
    """``md5("<keybase>+<secret>")`` in hex, as ``echo -n ... | md5sum`` computes it."""
    return hashlib.md5(f"{keybase}+{secret}".encode()).hexdigest()


def ifconfig_mac(mac: str) -> str:
    """A MAC as BusyBox ``ifconfig`` prints it (``%02X:`` pairs): ``00:11:22:AA:BB:CC``."""
    digits = re.sub(r"[^0-9A-Fa-f]", "", mac).upper()
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


@dataclass(kw_only=True)
class Agent:
    """One device. ``uuid``/``key`` are set by :meth:`register` or given up front.

    ``mac_address`` is rewritten as ``ifconfig`` prints it; ``hardware_id`` stands for
    the output of a ``hardware_id_script`` (None: no script). ``strict_header``
    requires the controller header on every answer (our server promises it); with
    False it is checked only where the real agent checks it. ``prefix`` may be
    ``/controller/device`` to exercise the newer paths (the agent never uses them).
    """

    transport: Transport
    mac_address: str
    shared_secret: str = ""
    hostname: str = "OpenWrt"
    uuid: str = ""
    key: str = ""
    consistent: bool = True
    hardware_id: str | None = None
    hardware_id_key: bool = True
    default_hostname: str = "LEDE"
    tags: str = ""
    model: str = ""
    os: str = ""
    system: str = ""
    management_ip: str = ""
    backend: str = BACKEND
    prefix: str = "/controller"
    strict_header: bool = True
    test_config: bool = False  # True: re-poll checksum after applying, as test_config=1 does
    name: str = field(default="", init=False)  # hostname echoed by register
    is_new: bool = field(default=False, init=False)
    checksum_stored: str = field(default="", init=False)  # /tmp/openwisp/checksum
    archive: bytes = field(default=b"", init=False)  # last archive applied

    def __post_init__(self) -> None:
        self.mac_address = ifconfig_mac(self.mac_address)

    # --- what the agent computes -------------------------------------------------------------
    def registration_name(self) -> str:
        """The hostname, or the MAC while the hostname is a default one or empty."""
        default = self.default_hostname == "*" or self.hostname == self.default_hostname
        if default or self.hostname.lower() in ("openwrt", ""):
            return self.mac_address
        return self.hostname

    def registration_key(self) -> str:
        """The consistent key ('' when disabled); hardware id based when a script is set."""
        if not self.consistent:
            return ""
        use_hwid = self.hardware_id is not None and self.hardware_id_key
        keybase = self.hardware_id if use_hwid else self.mac_address
        return consistent_key(keybase or "", self.shared_secret)

    # --- calls ---------------------------------------------------------------------------------
    def _call(self, method: str, path: str, params: dict[str, str]) -> Answer:
        status, headers, body = self.transport(method, self.prefix + path, params)
        if self.strict_header:
            self._check_header(status, headers, body)
        return status, headers, body

    @staticmethod
    def _check_header(status: int, headers: Mapping[str, str], body: bytes) -> None:
        pairs = ((k.lower(), str(v).strip().lower()) for k, v in headers.items())
        if ("x-openwisp-controller", "true") not in pairs:
            raise NotAController("missing X-Openwisp-Controller: true", status, body)

    def register(self) -> str:
        """POST register/; returns the uuid. The real agent gives up on 403, retries others."""
        params = {"backend": self.backend}
        if self.registration_key():
            params["key"] = self.registration_key()
        if self.management_ip:
            params["management_ip"] = self.management_ip
        params["secret"] = self.shared_secret
        params["name"] = self.registration_name()
        params["hardware_id"] = self.hardware_id or ""
        params["mac_address"] = self.mac_address
        params.update(tags=self.tags, model=self.model, os=self.os, system=self.system)
        status, headers, body = self._call("POST", "/register/", params)
        self._check_header(status, headers, body)  # the agent checks it before the status
        if status != 201:
            raise AgentError("registration failed", status, body)
        # the agent greps `curl -i` output: header lines are searched too
        lines = [f"{k}: {v}" for k, v in headers.items()] + body.decode().splitlines()
        found = {}
        for label in ("uuid", "key", "hostname", "is-new"):  # awk '/<label>: / {print $2}'
            values = [ln.split()[1] for ln in lines if f"{label}: " in ln and len(ln.split()) > 1]
            if len(values) > 1:
                raise AgentError(f"ambiguous {label!r} lines: {values}", status, body)
            found[label] = values[0] if values else ""
        if not found["uuid"] or not found["key"]:
            raise AgentError("no uuid/key in registration answer", status, body)
        self.uuid, self.key = found["uuid"], found["key"]
        self.name = found["hostname"] or self.registration_name()
        self.is_new = (found["is-new"] or "1") == "1"
        return self.uuid

    def _device_params(self) -> dict[str, str]:
        params = {"key": self.key}
        if self.management_ip:
            params["management_ip"] = self.management_ip
        return params

    def checksum(self) -> str:
        """GET checksum/<uuid>/; the last line of the body."""
        status, headers, body = self._call("GET", f"/checksum/{self.uuid}/", self._device_params())
        if status == 404:
            raise DeviceGone("checksum: device not found", status, body)
        if status != 200:
            raise AgentError("checksum failed", status, body)
        self._check_header(status, headers, body)
        lines = body.decode().splitlines()
        return lines[-1] if lines else ""

    def download(self) -> bytes:
        """GET download-config/<uuid>/ (the agent uses ``curl --fail``: >= 400 fails)."""
        path = f"/download-config/{self.uuid}/"
        status, _headers, body = self._call("GET", path, self._device_params())
        if status != 200:
            raise AgentError("download failed", status, body)
        return body

    def report_status(self, status: str, error_reason: str | None = None) -> str:
        """POST report-status/<uuid>/; returns ``current-status``. ``error`` sends a reason."""
        params = {"key": self.key, "status": status}
        if status == "error" or error_reason is not None:
            params["error_reason"] = error_reason or ""
        code, headers, body = self._call("POST", f"/report-status/{self.uuid}/", params)
        if code != 200:
            raise AgentError("report-status failed", code, body)
        self._check_header(code, headers, body)
        match = re.search(r"^current-status: (\S+)$", body.decode(), re.M)
        return match.group(1) if match else ""

    def update_info(self) -> None:
        """POST update-info/<uuid>/ with model, os and system."""
        params = {"key": self.key, "model": self.model, "os": self.os, "system": self.system}
        status, headers, body = self._call("POST", f"/update-info/{self.uuid}/", params)
        if status != 200:
            raise AgentError("update-info failed", status, body)
        self._check_header(status, headers, body)

    def cycle(self, apply: Callable[[bytes], str | None] | None = None) -> str:
        """One polling cycle: ``unchanged``, ``applied``, ``error`` or ``mismatch``.

        On a new checksum: download, verify md5(archive) == checksum (a mismatch is
        not reported and forgets the checksum), apply (``apply`` may return an error
        reason), with ``test_config`` poll checksum once more (the stock agent's default
        test, which only needs an answer), report.
        """
        remote = self.checksum()
        if remote == self.checksum_stored:
            return "unchanged"
        archive = self.download()
        if hashlib.md5(archive).hexdigest() != remote:
            self.checksum_stored = ""
            return "mismatch"
        self.checksum_stored = remote
        reason = apply(archive) if apply else None
        if reason is None and self.test_config:
            self.transport("GET", f"{self.prefix}/checksum/{self.uuid}/", self._device_params())
        if reason is not None:
            self.report_status("error", reason)
            return "error"
        self.archive = archive
        self.report_status("applied")
        return "applied"


def client_transport(client: Any) -> Transport:
    """A transport over Django's test ``Client`` (imported by the caller, not here)."""

    def send(method: str, path: str, params: dict[str, str]) -> Answer:
        if method == "GET":
            response = client.get(path, params)
        else:
            data = urllib.parse.urlencode(params)
            response = client.generic(method, path, data, content_type=FORM)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        return response.status_code, dict(response.items()), content

    return send


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:  # curl runs without -L
        return None


def http_transport(base_url: str, timeout: float = 30.0) -> Transport:
    """A transport to a live server at ``base_url`` (for example ``http://127.0.0.1:8000``)."""
    opener = urllib.request.build_opener(_NoRedirect)
    base = base_url.rstrip("/")

    def send(method: str, path: str, params: dict[str, str]) -> Answer:
        query = urllib.parse.urlencode(params)
        if method == "GET":
            request = urllib.request.Request(f"{base}{path}?{query}".rstrip("?"), method=method)
        else:
            headers = {"Content-Type": FORM}
            request = urllib.request.Request(base + path, query.encode(), headers, method=method)
        try:
            with opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers.items()), error.read()

    return send
