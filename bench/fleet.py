"""An asynchronous fleet of simulated devices speaking the openwisp-config agent's protocol.

Every device does what the stock agent does (``docs/protocol.md``, ``tests/agent.py``):
it registers with the shared secret and its consistent key, then polls its
checksum; when the checksum changed it downloads the archive, checks that its
MD5 equals the checksum, and reports ``applied`` (``key=...&status=applied&``,
with the agent's trailing ``&``). Each device has its own source address in
127.0.0.0/8 (the connection is bound to it), so the server sees a fleet of
distinct addresses, as in the field, and not one device moving around.

Run from the repository root against a running server (loopback only)::

    .venv/bin/python -m bench.fleet --url http://127.0.0.1:8000 --devices 200 \\
        --secret "$(cat var/shared_secret)" --duration 60 --concurrency 8

It registers the devices (MAC addresses ``02:FE:..``, ``--first`` shifts them),
then polls them round-robin in a shuffled order until ``--duration`` seconds
(registration included) or ``--max-requests`` requests, and prints the median
and 99th percentile latency of each kind of request, the requests per second,
and every error. ``--devices-file`` polls existing devices instead (lines
``<hex id> <key> [<checksum> [<address>]]``, as ``bench.seed`` writes them).
``bench.run`` drives :class:`Fleet` from Python.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import ipaddress
import json
import random
import re
import socket
import sys
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from .common import median, percentile

BACKEND = "netjsonconfig.OpenWrt"
HEADER = "X-Openwisp-Controller"
FORM = "application/x-www-form-urlencoded"
MAX_ERRORS_KEPT = 20


def consistent_key(keybase: str, secret: str) -> str:
    """``md5("<keybase>+<secret>")``, as the agent's ``echo -n ... | md5sum`` computes it."""
    return hashlib.md5(f"{keybase}+{secret}".encode()).hexdigest()


def fleet_mac(number: int, prefix: int = 0xFE) -> str:
    """The MAC of fleet device ``number``, as BusyBox ``ifconfig`` prints it."""
    return ":".join(f"{b:02X}" for b in bytes([0x02, prefix]) + number.to_bytes(4, "big"))


def fleet_address(number: int, base: int = 100) -> str:
    """A source address of its own for fleet device ``number`` (127.<base+>.x.y)."""
    return f"127.{base + (number >> 16)}.{(number >> 8) & 255}.{number & 255}"


def check_loopback(url: str) -> None:
    """Refuse any target that is not on this machine's loopback."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        raise SystemExit(f"cannot resolve {host!r}: {exc}") from None
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise SystemExit(f"refusing {url}: the fleet only talks to loopback addresses")


@dataclass
class Device:
    number: int
    mac: str
    address: str  # source address of its connections
    hostname: str = ""
    uuid: str = ""
    key: str = ""
    checksum: str = ""  # what the agent applied last (/etc/openwisp/checksum)
    right_at: float | None = None  # when it applied the expected checksum


@dataclass
class Kind:
    """The requests of one kind: latencies (seconds), statuses."""

    latencies: list = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    first: float = 0.0  # start of the first request, end of the last
    last: float = 0.0

    def add(self, started, ended):
        if not self.latencies:
            self.first = started
        self.last = ended
        self.latencies.append(ended - started)

    def summary(self):
        elapsed = self.last - self.first
        return {
            "requests": len(self.latencies),
            "per_second": len(self.latencies) / elapsed if elapsed > 0 else 0.0,
            "median_ms": median(self.latencies) * 1000,
            "p99_ms": percentile(self.latencies, 99) * 1000,
            "statuses": dict(self.statuses),
        }


class AgentError(Exception):
    """The server answered what the agent does not accept (or did not answer)."""


class Exhausted(Exception):
    """``max_requests`` reached."""


class Fleet:
    """Devices, a bound on concurrent requests, and what they saw."""

    def __init__(self, url, devices, *, secret="", concurrency=8, timeout=30.0, max_requests=None):
        check_loopback(url)
        self.base = url.rstrip("/")
        self.devices = devices
        self.secret = secret
        self.concurrency = concurrency
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_requests = max_requests
        self.kinds = {k: Kind() for k in ("register", "checksum", "download", "report")}
        self.outcomes = Counter()  # per cycle: unchanged, applied, mismatch, error
        self.errors = Counter()
        self.error_samples = []
        self.requests = 0
        self.registered = Counter()  # is-new 1 / 0
        # template change benchmark: old -> expected checksums, and when it committed
        self.expected = None  # {uuid hex: checksum}
        self.changed_at = None  # time.monotonic() when the change committed
        self.stale = 0  # old checksum answered to a poll started after the change
        self.stale_samples = []  # (seconds after the change, device)
        self.unexpected = 0  # neither the old nor the expected checksum
        self.old = {}
        self.right_count = 0  # devices that applied their expected checksum

    # --- HTTP ---------------------------------------------------------------------------
    async def call(self, kind, device, method, path, params, *, trailing_amp=False):
        """One request from ``device``'s own address: (status, headers, body)."""
        if self.max_requests is not None and self.requests >= self.max_requests:
            raise Exhausted
        self.requests += 1
        query = urllib.parse.urlencode(params)
        connector = aiohttp.TCPConnector(local_addr=(device.address, 0), force_close=True)
        started = time.monotonic()
        try:
            async with aiohttp.ClientSession(
                connector=connector, timeout=self.timeout, auto_decompress=False
            ) as session:
                if method == "GET":
                    url = f"{self.base}{path}?{query}"
                    response = await session.get(url, allow_redirects=False)
                else:
                    body = (query + "&") if trailing_amp else query
                    response = await session.post(
                        self.base + path,
                        data=body.encode(),
                        headers={"Content-Type": FORM},
                        allow_redirects=False,
                    )
                async with response:
                    content = await response.read()
                    status, headers = response.status, response.headers
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self.kinds[kind].statuses[type(exc).__name__] += 1
            raise AgentError(f"{kind}: {type(exc).__name__}: {exc}") from None
        self.kinds[kind].add(started, time.monotonic())
        self.kinds[kind].statuses[status] += 1
        if headers.get(HEADER, "").strip().lower() != "true":
            raise AgentError(f"{kind}: HTTP {status} without {HEADER}: {content[:80]!r}")
        return status, headers, content

    # --- the agent ---------------------------------------------------------------------
    async def register(self, device):
        """POST register/ as the agent does; sets uuid and key. Returns is-new."""
        params = {"backend": BACKEND, "key": consistent_key(device.mac, self.secret)}
        params["secret"] = self.secret
        params["name"] = device.hostname or device.mac
        params.update(hardware_id="", mac_address=device.mac, tags="")
        params.update(model="TL-WDR4300", os="OpenWrt 23.05", system="Atheros AR9344")
        status, headers, body = await self.call(
            "register", device, "POST", "/controller/register/", params
        )
        if status != 201:
            raise AgentError(f"register: HTTP {status}: {body[:120]!r}")
        lines = [f"{k}: {v}" for k, v in headers.items()] + body.decode().splitlines()
        found = {}
        for label in ("uuid", "key", "is-new"):  # awk '/<label>: / {print $2}'
            values = [ln.split()[1] for ln in lines if f"{label}: " in ln and len(ln.split()) > 1]
            if len(values) != 1:
                raise AgentError(f"register: {len(values)} {label!r} lines")
            found[label] = values[0]
        device.uuid, device.key = found["uuid"], found["key"]
        self.registered[found["is-new"]] += 1
        return found["is-new"] == "1"

    async def cycle(self, device):
        """One polling cycle: unchanged, applied or mismatch (as ``tests.agent.Agent.cycle``)."""
        started = time.monotonic()
        status, _headers, body = await self.call(
            "checksum", device, "GET", f"/controller/checksum/{device.uuid}/", {"key": device.key}
        )
        if status != 200:
            raise AgentError(f"checksum: HTTP {status}: {body[:80]!r}")
        lines = body.decode().splitlines()
        remote = lines[-1] if lines else ""
        self.classify(device, remote, started)
        if remote == device.checksum:
            return "unchanged"
        status, _headers, archive = await self.call(
            "download", device, "GET", f"/controller/download-config/{device.uuid}/",
            {"key": device.key},
        )  # fmt: skip
        if status >= 400:  # curl --fail
            raise AgentError(f"download: HTTP {status}: {archive[:80]!r}")
        if hashlib.md5(archive).hexdigest() != remote:
            device.checksum = ""  # the agent forgets it and does not report
            return "mismatch"
        device.checksum = remote
        status, _headers, body = await self.call(
            "report", device, "POST", f"/controller/report-status/{device.uuid}/",
            {"key": device.key, "status": "applied"}, trailing_amp=True,
        )  # fmt: skip
        if status != 200 or not re.search(rb"^current-status: applied$", body, re.M):
            raise AgentError(f"report-status: HTTP {status}: {body[:80]!r}")
        if self.expected is not None and remote == self.expected.get(device.uuid):
            if device.right_at is None:
                device.right_at = time.monotonic()
                self.right_count += 1
        return "applied"

    def classify(self, device, remote, started):
        if self.expected is None:
            return
        if remote == self.expected.get(device.uuid):
            return
        if remote == self.old.get(device.uuid):
            if self.changed_at is not None and started > self.changed_at:
                self.stale += 1
                if len(self.stale_samples) < 1000:
                    self.stale_samples.append((round(started - self.changed_at, 3), device.uuid))
            return
        self.unexpected += 1

    def error(self, exc):
        message = str(exc)
        self.errors[re.sub(r"[0-9a-f]{32}", "<id>", message.split(":")[0])] += 1
        if len(self.error_samples) < MAX_ERRORS_KEPT:
            self.error_samples.append(message)

    # --- phases --------------------------------------------------------------------------
    async def _run(self, items, work, deadline, stop=None):
        queue = iter(items)

        async def worker():
            for item in queue:
                if time.monotonic() >= deadline or (stop is not None and stop()):
                    return
                try:
                    await work(item)
                except AgentError as exc:
                    self.error(exc)
                except Exhausted:
                    return

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))

    async def register_all(self, deadline, devices=None):
        """Register ``devices`` (default: all); returns the elapsed seconds."""
        started = time.monotonic()

        async def work(device):
            await self.register(device)

        await self._run(devices or self.devices, work, deadline)
        return time.monotonic() - started

    async def poll(self, deadline, stop=None, shuffle=True, repeat=True):
        """Cycle through the registered devices until ``deadline`` or ``stop()``
        (with ``repeat=False``: each device once, in order)."""
        ready = [d for d in self.devices if d.uuid]
        if not ready:
            return 0.0
        rng = random.Random(len(ready))

        def forever():
            order = list(ready)
            while True:
                if shuffle:
                    rng.shuffle(order)
                yield from order

        if not repeat:
            ready_once = iter(ready)

        async def work(device):
            try:
                outcome = await self.cycle(device)
            except AgentError:
                self.outcomes["error"] += 1
                raise
            self.outcomes[outcome] += 1

        started = time.monotonic()
        await self._run(forever() if repeat else ready_once, work, deadline, stop)
        return time.monotonic() - started

    def summary(self):
        return {
            "kinds": {k: v.summary() for k, v in self.kinds.items() if v.latencies},
            "outcomes": dict(self.outcomes),
            "registered": dict(self.registered),
            "errors": dict(self.errors),
            "error_samples": self.error_samples,
            "requests": self.requests,
            "stale": self.stale,
            "unexpected": self.unexpected,
        }


def load_devices(path):
    """Devices of a ``bench.seed`` file: ``<hex id> <key> [<checksum> [<address>]]``."""
    devices = []
    with open(path) as fh:
        for number, line in enumerate(fh):
            parts = line.split()
            if len(parts) < 2:
                continue
            checksum = parts[2] if len(parts) > 2 else ""
            address = parts[3] if len(parts) > 3 else fleet_address(number)
            devices.append(
                Device(number, "", address, uuid=parts[0], key=parts[1], checksum=checksum)
            )
    return devices


def new_devices(count, first=0, prefix=0xFE, address_base=100):
    return [
        Device(n, fleet_mac(n, prefix), fleet_address(n, address_base), hostname=f"fleet-{n}")
        for n in range(first, first + count)
    ]


def print_summary(result, out=sys.stdout):
    rows = [("kind", "requests", "req/s", "median ms", "p99 ms", "statuses")]
    for kind, s in result["kinds"].items():
        statuses = " ".join(f"{k}:{v}" for k, v in sorted(s["statuses"].items(), key=str))
        rows.append(
            (
                kind,
                str(s["requests"]),
                f"{s['per_second']:.0f}",
                f"{s['median_ms']:.1f}",
                f"{s['p99_ms']:.1f}",
                statuses,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)), file=out)
    print(f"cycles: {result['outcomes']}", file=out)
    if result.get("registration"):
        print(f"registration: {result['registration']}", file=out)
    print(f"errors: {sum(result['errors'].values())} {result['errors']}", file=out)
    for sample in result["error_samples"][:5]:
        print(f"  e.g. {sample}", file=out)


async def amain(args):
    started = time.monotonic()
    deadline = started + args.duration
    if args.devices_file:
        devices = load_devices(args.devices_file)[: args.devices or None]
    else:
        devices = new_devices(args.devices, args.first)
    fleet = Fleet(
        args.url,
        devices,
        secret=args.secret,
        concurrency=args.concurrency,
        timeout=args.timeout,
        max_requests=args.max_requests,
    )
    registration = None
    if not args.devices_file:
        elapsed = await fleet.register_all(deadline)
        done = sum(1 for d in devices if d.uuid)
        registration = {
            "devices": done,
            "seconds": round(elapsed, 2),
            "per_second": round(done / elapsed, 1) if elapsed else 0.0,
            "is_new": fleet.registered.get("1", 0),
            "existing": fleet.registered.get("0", 0),
        }
    await fleet.poll(deadline)
    result = fleet.summary()
    result["registration"] = registration
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.fleet", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", required=True, help="server, e.g. http://127.0.0.1:8000")
    parser.add_argument("--devices", type=int, default=100, help="number of devices")
    parser.add_argument("--secret", default="", help="the shared secret (registration)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds, in all")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--max-requests", type=int, default=1_000_000)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--first", type=int, default=0, help="number of the first device")
    parser.add_argument("--devices-file", help="poll these devices instead of registering")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if not args.devices_file and not args.secret:
        parser.error("--secret is needed to register (or give --devices-file)")
    if args.duration <= 0 or args.duration > 3600:
        parser.error("--duration must be in (0, 3600]")
    result = asyncio.run(amain(args))
    print_summary(result)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
