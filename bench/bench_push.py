"""A template edit pushed over SSH to a fleet of real SSH servers.

Run from the repository root, as root (the servers switch to the test user that
``tests/ssh/setup-test-user.sh`` creates; ``docs/connection.md``)::

    .venv/bin/python -m bench.bench_push --devices 200 --runs 3 --modes thread,celery

Each device is a real SSH server of the test rig (``tests/ssh_servers.py``):
Dropbear, as OpenWrt ships it (``--server openssh`` for OpenSSH), on a loopback
address of its own, all on one port, each with its own host key and a stand-in
``openwisp-config`` agent that records every SIGUSR1 it gets. The site is the demo
site's (``bench/push_settings.py``) in one of two queue modes, each in a process of
its own:

* ``thread``: the embedded mode (SQLite, no broker): the push task runs in a thread
  of the web process, here the benchmark's own process;
* ``celery``: a fresh PostgreSQL database, a Redis database and a Celery worker
  (``celery -A demo worker --pool solo``) that runs the push task.

Every device uses one template and has a connection with one set of SSH
credentials (a password). A first push, not measured, records the host keys. Then
each run:

* **one edit**: the template's configuration is changed through the admin's change
  view (GET the form, POST it as a browser does, Django's test client in this
  process), which renders the configs in the background and asks for the pushes.
  Measured: the admin request; the time from the start of that request until every
  device's agent recorded its SIGUSR1 (the last first record); the peak number of
  SSH sessions at one time (established TCP connections to the servers' port,
  counted every 2 ms over netlink by a separate process), and the peak of overlapping agent
  checks (``openwisp-config --version`` runs, the rig's own measure); the peak
  resident memory (VmHWM, reset before the edit) of the process running the pushes;
  then, once nothing is pending any more and after a grace period, how many
  SIGUSR1 each device got: exactly one each (none lost, none duplicated);
* **a second edit while the first is pushed**: once a quarter of the devices got
  their SIGUSR1, the template is changed again. Every device must get a SIGUSR1
  after the second edit started (none lost) and at most one follow-up (at most
  two in all).

The figures are printed as a table (medians over the runs, and the worst case of
the checks) and as JSON (``--json``). The servers, the agents, the worker, the
database and the Redis database are removed on exit, errors and signals included.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import select
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODES = ("thread", "celery")
SETTINGS = "bench.push_settings"


# --- the SSH sessions at one time: a separate process ----------------------------------
def sample_sessions(port: int, interval: float = 0.002) -> int:
    """Count the SSH sessions on ``port`` every ``interval`` seconds until the standard
    input closes; print the peak and the number of samples as JSON."""
    from tests.ssh_servers import NETLINK_SOCK_DIAG, established_on

    peak = peak_clients = samples = 0
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as sock:
        while True:
            servers, clients = established_on(sock, port)
            peak, peak_clients = max(peak, servers), max(peak_clients, clients)
            samples += 1
            ready, _w, _x = select.select([sys.stdin], [], [], interval)
            if ready and not sys.stdin.buffer.read1(1024):
                break
    print(json.dumps({"peak": peak, "clients": peak_clients, "samples": samples}), flush=True)
    return 0


class SessionSampler:
    def __init__(self, port: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.bench_push", "--sample-port", str(port)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def stop(self) -> dict[str, int]:
        out, _err = self.process.communicate(b"", timeout=30)
        return json.loads(out.decode().strip().splitlines()[-1])

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


# --- memory ----------------------------------------------------------------------------
def reset_peak_memory(pid: int) -> None:
    """Reset the process's peak resident memory (VmHWM) to its current one."""
    Path(f"/proc/{pid}/clear_refs").write_text("5\n")


def memory_mb(pid: int) -> tuple[float, float]:
    """(peak, current) resident memory of ``pid`` in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return round(peak / 1024, 1), round(rss / 1024, 1)


# --- the site, in this process ---------------------------------------------------------
def wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Site:
    """The demo site's Django in this process: the fleet's rows, the admin's edit."""

    def __init__(self, mode: str, worker_pid: int) -> None:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        from django.contrib.auth import get_user_model
        from django.test import Client

        from django_netjsonconfig import queue

        self.mode = mode
        self.worker_pid = worker_pid
        self.queue = queue
        user_model = get_user_model()
        admin = user_model.objects.create_superuser("bench-admin", "", "bench-admin-pw")
        self.client = Client(HTTP_HOST="localhost")
        self.client.force_login(admin)
        self.variant = 0

    def fleet(self, servers: list[Any], user: str, password: str) -> None:
        """A template, credentials, and a device per server using both."""
        from django_netjsonconfig.apps import get_model
        from tests.connection_helpers import credentials
        from tests.factories import DeviceFactory, TemplateFactory, make_config

        self.template = TemplateFactory(name="bench-push", config=self.config())
        creds = credentials(name="bench", username=user, password=password, port=servers[0].port)
        connection_model = get_model("deviceconnection")
        connections = []
        for server in servers:
            device = DeviceFactory(management_ip=server.address)
            make_config(device, templates=[self.template])
            connections.append(connection_model(device=device, credentials=creds))
        connection_model.objects.bulk_create(connections)
        self.device_ids = [c.device_id for c in connections]

    def config(self) -> dict[str, Any]:
        """The template's configuration, different at each call (every archive changes)."""
        self.variant += 1
        n = self.variant
        return {
            "general": {"timezone": "UTC"},
            "ntp": {"enabled": True, "enable_server": False, "server": [f"{n}.ntp.example.org"]},
        }

    def push_all(self) -> None:
        """Ask for a push to every device (the first one: host keys recorded)."""
        from django_netjsonconfig.connection import push

        push.request(self.device_ids)

    def edit(self) -> float:
        """Change the template through the admin's change view; the request's seconds."""
        from django.urls import reverse

        from bench.common import error_excerpt, form_fields, replace_field

        opts = self.template._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[self.template.pk])
        page = self.client.get(url)
        fields = form_fields(page.content.decode(), f"{opts.model_name}_form")
        fields = replace_field(fields, "config", json.dumps(self.config()))
        data: dict[str, list[str]] = {}
        for name, value in fields:
            data.setdefault(name, []).append(value)
        started = time.perf_counter()
        response = self.client.post(url, data)
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise RuntimeError(
                f"the admin refused the edit ({response.status_code}): "
                + error_excerpt(response.content.decode())
            )
        return elapsed

    def pending(self) -> bool:
        """Whether a render or a push is waiting or running."""
        from django.db.models import Q

        from django_netjsonconfig.apps import get_model

        if get_model("config").objects.filter(render_pending__gt=0).exists():
            return True
        return (
            get_model("deviceconnection")
            .objects.filter(Q(push_requested__isnull=False) | Q(push_started__isnull=False))
            .exists()
        )

    def settle(self, timeout: float = 300, grace: float = 2.0) -> None:
        """Until nothing is pending, twice ``grace`` seconds apart (a late push would
        show in the records)."""
        for _ in range(2):
            if self.mode == "thread":
                self.queue.wait(timeout)
            wait_for(lambda: not self.pending(), timeout, "the renders and pushes to end")
            time.sleep(grace)


# --- the measures ----------------------------------------------------------------------
def first_signal_times(servers: list[Any]) -> list[float]:
    return [min(s.usr1_times(), default=float("inf")) for s in servers]


def one_edit(site: Site, servers: list[Any], port: int) -> dict[str, Any]:
    for server in servers:
        server.reset_records()
    reset_peak_memory(site.worker_pid)
    sampler = SessionSampler(port)
    try:
        time.sleep(0.2)  # the sampler is running
        load = os.getloadavg()[0]
        started = time.time()
        request_s = site.edit()
        wait_for(lambda: all(s.usr1_count() for s in servers), 600, "every device's SIGUSR1")
        all_asked_s = max(first_signal_times(servers)) - started
        site.settle()
        sessions = sampler.stop()
    finally:
        sampler.kill()
    from tests.ssh_servers import peak_concurrency

    counts = [s.usr1_count() for s in servers]
    peak, _rss = memory_mb(site.worker_pid)
    return {
        "request_s": round(request_s, 3),
        "all_asked_s": round(all_asked_s, 2),
        "peak_sessions": sessions["peak"],
        "peak_client_sockets": sessions["clients"],
        "session_samples": sessions["samples"],
        "peak_checks": peak_concurrency(servers),
        "worker_peak_mb": peak,
        "lost": sum(1 for c in counts if c == 0),
        "duplicated": sum(1 for c in counts if c > 1),
        "pushes": sum(s.versions() for s in servers),
        "load": round(load, 2),
    }


def two_edits(site: Site, servers: list[Any], port: int) -> dict[str, Any]:
    for server in servers:
        server.reset_records()
    reset_peak_memory(site.worker_pid)
    sampler = SessionSampler(port)
    quarter = max(1, len(servers) // 4)
    try:
        time.sleep(0.2)
        load = os.getloadavg()[0]
        site.edit()
        wait_for(
            lambda: sum(1 for s in servers if s.usr1_count()) >= quarter,
            600,
            "a quarter of the devices' SIGUSR1",
        )
        second = time.time()
        site.edit()

        def after_second(server: Any) -> bool:
            return max(server.usr1_times(), default=0.0) > second

        wait_for(lambda: all(after_second(s) for s in servers), 600, "the second edit's pushes")
        all_asked_s = max(max(s.usr1_times()) for s in servers) - second
        site.settle()
        sessions = sampler.stop()
    finally:
        sampler.kill()
    counts = [s.usr1_count() for s in servers]
    peak, _rss = memory_mb(site.worker_pid)
    return {
        "second_all_asked_s": round(all_asked_s, 2),
        "pushed_before_second": sum(
            1 for s in servers if min(s.usr1_times(), default=second) < second
        ),
        "follow_ups": sum(1 for c in counts if c == 2),
        "lost": sum(1 for s in servers if not after_second(s)),
        "over_one_follow_up": sum(1 for c in counts if c > 2),
        "peak_sessions": sessions["peak"],
        "peak_client_sockets": sessions["clients"],
        "worker_peak_mb": peak,
        "load": round(load, 2),
    }


@contextlib.contextmanager
def environment(mode: str, workdir: Path) -> Iterator[dict[str, str]]:
    """The site's environment for ``mode`` (a fresh database: SQLite, or PostgreSQL and
    a Redis database), removed at the end."""
    from tests.integration_helpers import (
        INHERITED_OUT,
        SECRET,
        postgres_database,
        redis_database,
    )

    env = {k: v for k, v in os.environ.items() if k not in INHERITED_OUT}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        NETJSONCONFIG_VAR_DIR=str(workdir / "var"),
        NETJSONCONFIG_SHARED_SECRET=SECRET,
    )
    if mode == "thread":
        yield env
        return
    with postgres_database() as database_url, redis_database(ttl=3600) as redis_url:
        env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        yield env


def run_mode(args: argparse.Namespace) -> dict[str, Any]:
    """One queue mode, in this process: servers, site, runs."""
    from tests.integration_helpers import Worker
    from tests.ssh_servers import PASSWORD, USER, Servers, missing

    why = missing()
    if why:
        raise SystemExit(f"cannot run the SSH servers: {why}")
    mode = args.child
    workdir = Path(tempfile.mkdtemp(prefix="netjsonconfig-bench-push-"))
    servers = Servers()
    worker = None
    out: dict[str, Any] = {"mode": mode, "server": args.server, "devices": args.devices}
    try:
        with environment(mode, workdir) as env:
            os.environ.clear()
            os.environ.update(env)
            os.environ["BENCH_PUSH_CONCURRENCY"] = str(args.concurrency)
            started = time.monotonic()
            fleet = servers.fleet(args.server, args.devices)
            port = fleet[0].port
            log(f"{mode}: {len(fleet)} {args.server} servers in {time.monotonic() - started:.0f} s")
            if mode == "celery":
                worker = Worker("bench-push-worker", dict(os.environ), workdir)
                worker.wait_ready(60)
            site = Site(mode, worker.pid if worker else os.getpid())
            out["concurrency"] = args.concurrency
            site.fleet(fleet, USER, PASSWORD)
            site.push_all()  # host keys recorded
            wait_for(lambda: all(s.usr1_count() for s in fleet), 600, "the first push")
            site.settle()
            out["rss_before_mb"] = memory_mb(site.worker_pid)[1]
            out["single"], out["double"] = [], []
            for number in range(args.runs):
                one = one_edit(site, fleet, port)
                log(f"{mode}: run {number + 1} one edit: {one}")
                out["single"].append(one)
                two = two_edits(site, fleet, port)
                log(f"{mode}: run {number + 1} two edits: {two}")
                out["double"].append(two)
    finally:
        if worker is not None:
            worker.stop()
        servers.close()
        with contextlib.suppress(OSError):
            subprocess.run(["rm", "-rf", str(workdir)], check=False)
    return out


# --- the parent: one process per mode, the table ---------------------------------------
_t0 = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - _t0:7.1f}s] {message}", file=sys.stderr, flush=True)


def med(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| mode | server | devices | pool | admin request s | all asked s "
        "| peak sessions (servers / client) | peak checks | worker peak MB (before) "
        "| lost | duplicated "
        "| 2nd edit: all asked s | follow-ups | lost | > 1 follow-up | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        single, double = r["single"], r["double"]
        loads = [x["load"] for x in single + double]
        label = {"thread": "embedded, thread (SQLite)", "celery": "Celery worker (PG + Redis)"}
        lines.append(
            f"| {label[r['mode']]} | {r['server']} | {r['devices']} | {r['concurrency']} "
            f"| {med([x['request_s'] for x in single])} "
            f"| {med([x['all_asked_s'] for x in single])} "
            f"| {max(x['peak_sessions'] for x in single + double)}"
            f" / {max(x['peak_client_sockets'] for x in single + double)} "
            f"| {max(x['peak_checks'] for x in single)} "
            f"| {med([x['worker_peak_mb'] for x in single + double])} ({r['rss_before_mb']}) "
            f"| {max(x['lost'] for x in single)} | {max(x['duplicated'] for x in single)} "
            f"| {med([x['second_all_asked_s'] for x in double])} "
            f"| {min(x['follow_ups'] for x in double)}–{max(x['follow_ups'] for x in double)} "
            f"| {max(x['lost'] for x in double)} | {max(x['over_one_follow_up'] for x in double)} "
            f"| {min(loads)}–{max(loads)} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default="thread,celery", help="thread, celery or both")
    parser.add_argument("--server", choices=("dropbear", "openssh"), default="dropbear")
    parser.add_argument(
        "--concurrency", type=int, default=10, help="NETJSONCONFIG_PUSH_CONCURRENCY"
    )
    parser.add_argument("--json", help="write the raw figures to this file")
    parser.add_argument("--check", action="store_true", help="exit 1 when a check fails")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--sample-port", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def _terminate(signum: int, _frame: object) -> None:
    """The first TERM or INT ends the run through its ``finally`` blocks (the servers,
    the agents, the worker, the databases removed); later ones must not cut that short."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.sample_port:
        return sample_sessions(args.sample_port)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    sys.path.insert(0, str(ROOT))
    if args.child:
        import faulthandler

        faulthandler.register(signal.SIGUSR2)  # the threads' stacks, if it seems stuck
        result = run_mode(args)
        print(json.dumps(result), flush=True)
        return 0
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = set(modes) - set(MODES)
    if unknown:
        raise SystemExit(f"unknown modes: {', '.join(sorted(unknown))}")
    results = []
    for mode in modes:
        cmd = [sys.executable, "-m", "bench.bench_push", "--child", mode]
        cmd += ["--devices", str(args.devices), "--runs", str(args.runs)]
        cmd += ["--server", args.server, "--concurrency", str(args.concurrency)]
        child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            out, _err = child.communicate()
        finally:
            if child.poll() is None:  # we were stopped: the child cleans up on TERM
                child.terminate()
                child.wait(120)
        if child.returncode != 0:
            raise SystemExit(f"the {mode} run failed ({child.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    print(table(results))
    command = shlex.join([".venv/bin/python", "-m", "bench.bench_push", *(argv or sys.argv[1:])])
    print(
        f"\nPython {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load now "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}\nCommand: {command}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    failed = any(
        r["lost"] or r["duplicated"] or r["peak_sessions"] > args.concurrency
        for res in results
        for r in res["single"]
    ) or any(
        r["lost"] or r["over_one_follow_up"] or r["peak_sessions"] > args.concurrency
        for res in results
        for r in res["double"]
    )
    if failed:
        print("a check failed: a push lost or duplicated, or sessions over the pool's size")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
