"""Real SSH servers standing in for devices: Dropbear (as on OpenWrt) and OpenSSH.

Each server listens on a loopback address of its own (127.0.0.x: the address is the
device's management IP) with a host key generated for it. The servers run as root
(they must switch to the user that logs in), the sessions as the unprivileged test
user that ``tests/ssh/setup-test-user.sh`` creates (``.ci/run`` runs it): its login
shell gives each server a directory (:meth:`SshServer.device_dir`) where the stand-ins
of ``tests/ssh/device-bin`` record what they were asked.

``tests.services.require_ssh_servers`` skips a test when the servers or the user are
missing (a failure under ``REQUIRE_SERVICES=1``), saying which (:func:`missing`).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from .basics import ROOT, wait_until

USER = os.environ.get("NETJSONCONFIG_SSH_TEST_USER", "netjsonconfig-ssh")
PASSWORD = os.environ.get("NETJSONCONFIG_SSH_TEST_PASSWORD", "device-test-password")
SHELL = "/usr/local/bin/netjsonconfig-test-shell"
SETUP = ROOT / "tests" / "ssh" / "setup-test-user.sh"
DROPBEAR = shutil.which("dropbear") or "/usr/sbin/dropbear"
DROPBEARKEY = shutil.which("dropbearkey") or "/usr/bin/dropbearkey"
SSHD = "/usr/sbin/sshd"
SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"


def missing() -> str | None:
    """Why the SSH tests cannot run here (None: they can)."""
    if os.geteuid() != 0:
        return "the SSH test servers run as root (they switch to the test user)"
    for path, package in (
        (DROPBEAR, "dropbear-bin"),
        (DROPBEARKEY, "dropbear-bin"),
        (SSHD, "openssh-server"),
        (SSH_KEYGEN, "openssh-client"),
    ):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (apt-get install {package})"
    try:
        entry = pwd.getpwnam(USER)
    except KeyError:
        return f"the SSH test user {USER} is missing (run {SETUP.relative_to(ROOT)} as root)"
    if entry.pw_shell != SHELL or not Path(entry.pw_dir, "device-bin", "passwd").exists():
        return f"the SSH test user {USER} is not set up (run {SETUP.relative_to(ROOT)})"
    return None


def home() -> Path:
    return Path(pwd.getpwnam(USER).pw_dir)


def _chown(path: Path) -> None:
    entry = pwd.getpwnam(USER)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def free_port_on(addresses: list[str]) -> int:
    """A port free on every address."""
    for _attempt in range(50):
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        try:
            for address in addresses[1:]:
                with socket.socket() as other:
                    other.bind((address, port))
        except OSError:
            continue
        return port
    raise RuntimeError("no port free on every address")


def client_key(workdir: Path) -> str:
    """A new Ed25519 key pair allowed to log in as the test user; the private key."""
    path = workdir / "client_ed25519"
    if path.exists():
        return path.read_text()
    subprocess.run([SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    ssh_dir = home() / ".ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    _chown(ssh_dir)
    authorized = ssh_dir / "authorized_keys"
    with authorized.open("a") as out:
        out.write(path.with_suffix(".pub").read_text())
    os.chmod(authorized, 0o600)
    _chown(authorized)
    return path.read_text()


class SshServer:
    """One server (``kind``: "dropbear" or "openssh") on ``address``:``port``."""

    def __init__(self, kind: str, address: str, port: int, workdir: Path) -> None:
        self.kind, self.address, self.port = kind, address, port
        self.workdir = workdir / f"{kind}-{address}-{port}"
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen[bytes] | None = None
        self.agent: subprocess.Popen[bytes] | None = None
        self.generation = 0

    # --- host key -------------------------------------------------------------------
    def _host_key(self) -> Path:
        self.generation += 1
        path = self.workdir / f"host_key_{self.generation}"
        if self.kind == "dropbear":
            command = [DROPBEARKEY, "-t", "ed25519", "-f", str(path)]
        else:
            command = [SSH_KEYGEN, "-q", "-t", "ed25519", "-N", "", "-f", str(path)]
        subprocess.run(command, check=True, capture_output=True)
        return path

    def public_key(self) -> str:
        """The current host key as ``"ssh-ed25519 <base64>"``."""
        path = self.workdir / f"host_key_{self.generation}"
        if self.kind == "dropbear":
            out = subprocess.run(
                [DROPBEARKEY, "-y", "-f", str(path)], check=True, capture_output=True, text=True
            ).stdout
            line = next(x for x in out.splitlines() if x.startswith("ssh-"))
        else:
            line = path.with_suffix(".pub").read_text()
        return " ".join(line.split()[:2])

    # --- process --------------------------------------------------------------------
    def _command(self, key: Path) -> list[str]:
        if self.kind == "dropbear":
            listen = f"{self.address}:{self.port}"
            return [
                DROPBEAR,
                "-F",
                "-E",
                "-j",
                "-k",
                "-r",
                str(key),
                "-p",
                listen,
                "-P",
                str(self.workdir / "pid"),
            ]
        config = self.workdir / "sshd_config"
        config.write_text(
            "\n".join(
                [
                    f"ListenAddress {self.address}:{self.port}",
                    f"HostKey {key}",
                    "PidFile none",
                    "PasswordAuthentication yes",
                    "KbdInteractiveAuthentication no",
                    "PubkeyAuthentication yes",
                    "AuthorizedKeysFile .ssh/authorized_keys",
                    "StrictModes no",
                    "UsePAM no",
                    "UseDNS no",
                    f"AllowUsers {USER}",
                    "MaxStartups 100:30:200",
                    "",
                ]
            )
        )
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        return [SSHD, "-D", "-e", "-f", str(config)]

    def start(self, *, new_key: bool = True) -> SshServer:
        key = (
            self._host_key()
            if new_key or not self.generation
            else (self.workdir / f"host_key_{self.generation}")
        )
        log = (self.workdir / "server.log").open("ab")
        self.process = subprocess.Popen(
            self._command(key), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        wait_until(self._listening, timeout=10, message=f"{self.kind} on {self.address}")
        return self

    def _listening(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            log = (self.workdir / "server.log").read_text(errors="replace")
            raise RuntimeError(f"{self.kind} exited: {log[-2000:]}")
        try:
            with socket.create_connection((self.address, self.port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def restart_with_new_key(self) -> None:
        self.stop()
        self.start(new_key=True)

    # --- the device's records -------------------------------------------------------
    def device_dir(self) -> Path:
        path = home() / "devices" / f"{self.address}_{self.port}"
        if not path.exists():
            path.mkdir(parents=True)
            _chown(path)
        return path

    def records(self, name: str = "log") -> list[str]:
        path = self.device_dir() / name
        return path.read_text().splitlines() if path.exists() else []

    def reset_records(self) -> None:
        for name in ("log", "version.log"):
            (self.device_dir() / name).unlink(missing_ok=True)

    def set_delay(self, seconds: float) -> None:
        path = self.device_dir() / "delay"
        path.write_text(f"{seconds}\n")
        _chown(path)

    def start_agent(self) -> None:
        """The stand-in openwisp-config agent of this device, as the test user."""
        directory = self.device_dir()
        (directory / "agent.pid").unlink(missing_ok=True)
        self.agent = subprocess.Popen(
            [
                "runuser",
                "-u",
                USER,
                "--",
                "env",
                f"DEVICE_DIR={directory}",
                str(home() / "device-bin" / "openwisp-config"),
                "--agent",
            ],
            start_new_session=True,
        )
        wait_until(lambda: (directory / "agent.pid").exists(), timeout=5, message="agent")

    def usr1_count(self) -> int:
        return sum(1 for line in self.records() if line.startswith("usr1 "))

    def usr1_times(self) -> list[float]:
        """When the device's agent got each SIGUSR1 (``time.time()`` seconds)."""
        return [float(line.split()[1]) for line in self.records() if line.startswith("usr1 ")]

    def versions(self) -> int:
        """How many times the device was asked its agent's version (once per push;
        written before the session ends)."""
        return sum(1 for line in self.records("version.log") if line.startswith("start"))

    def signals(self, expected: int, timeout: float = 5) -> int:
        """The SIGUSR1 the device's agent recorded, once ``expected`` arrived or after
        ``timeout`` (the agent's trap writes its record a moment after the session
        that sent it ended)."""
        deadline = time.monotonic() + timeout
        while self.usr1_count() < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.usr1_count()

    def close(self) -> None:
        self.stop()
        if self.agent is not None and self.agent.poll() is None:
            os.killpg(self.agent.pid, signal.SIGKILL)  # a stand-in: nothing to clean up
            self.agent.wait(5)
        shutil.rmtree(self.device_dir(), ignore_errors=True)


class Servers:
    """Servers started for a test module, stopped when it ends."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="netjsonconfig-ssh-"))
        self.started: list[SshServer] = []
        self._next = 10

    def address(self) -> str:
        """A loopback address no other server of the module uses."""
        self._next += 1
        return f"127.0.{self._next // 250}.{self._next % 250 + 2}"

    def start(self, kind: str, address: str | None = None, port: int | None = None) -> SshServer:
        address = address or self.address()
        port = port or free_port_on([address])
        server = SshServer(kind, address, port, self.workdir).start()
        self.started.append(server)
        return server

    def fleet(self, kind: str, count: int, *, agents: bool = True) -> list[SshServer]:
        """``count`` servers on addresses of their own, all on one port (one set of
        credentials reaches them all, as on a fleet), each with its agent."""
        addresses = [self.address() for _ in range(count)]
        port = free_port_on(addresses)
        servers = [self.start(kind, address, port) for address in addresses]
        if agents:
            for server in servers:
                server.start_agent()
        return servers

    def close(self) -> None:
        for server in self.started:  # all told to stop first: they end together
            if server.process is not None and server.process.poll() is None:
                os.killpg(server.process.pid, signal.SIGTERM)
        for server in self.started:
            server.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def peak_concurrency(servers: list[SshServer]) -> int:
    """The most ``openwisp-config --version`` runs at one time over ``servers`` (from the
    times their stand-ins recorded)."""
    events: list[tuple[float, int]] = []
    for server in servers:
        for line in server.records("version.log"):
            what, when = line.split()
            events.append((float(when), 1 if what == "start" else -1))
    peak = current = 0
    for _when, step in sorted(events, key=lambda e: (e[0], e[1])):
        current += step
        peak = max(peak, current)
    return peak


def elapsed(start: float) -> float:
    return time.monotonic() - start


# --- SSH sessions at one time, as the kernel sees them --------------------------------
NETLINK_SOCK_DIAG, SOCK_DIAG_BY_FAMILY = 4, 20
NLM_F_REQUEST, NLM_F_DUMP, NLMSG_DONE, NLMSG_ERROR = 0x1, 0x300, 3, 2
TCP_ESTABLISHED = 1


def established_on(sock: socket.socket, port: int) -> tuple[int, int]:
    """How many established TCP connections have ``port`` as their local port (the
    servers' side of the SSH sessions) and as their remote port (the clients' side),
    asked of the kernel over netlink (sock_diag: one dump, filtered by state in the
    kernel, in about a millisecond; reading ``/proc/net/tcp`` takes long enough to
    count sessions that never overlapped)."""
    request = struct.pack(
        "=BBBBI", socket.AF_INET, socket.IPPROTO_TCP, 0, 0, 1 << TCP_ESTABLISHED
    ) + bytes(48)  # inet_diag_sockid: any
    flags = NLM_F_REQUEST | NLM_F_DUMP
    sock.send(struct.pack("=IHHII", 16 + len(request), SOCK_DIAG_BY_FAMILY, flags, 1, 0) + request)
    servers = clients = 0
    while True:
        data = sock.recv(1 << 20)
        offset = 0
        while offset + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, offset)
            if kind in (NLMSG_DONE, NLMSG_ERROR) or length < 16:
                return servers, clients
            # inet_diag_msg: family, state, timer, retrans, then the ports (big endian)
            sport, dport = struct.unpack_from("!HH", data, offset + 16 + 4)
            servers += sport == port
            clients += dport == port
            offset += (length + 3) & ~3


class SessionPeak:
    """``with SessionPeak(port) as seen``: the most established connections to ``port``
    at one time while the block runs (``seen.servers``: the servers' side, ``seen.clients``:
    the clients'), asked of the kernel every millisecond by a thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.servers = self.clients = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_SOCK_DIAG) as sock:
            while not self._stop.wait(0.001):
                servers, clients = established_on(sock, self.port)
                self.servers = max(self.servers, servers)
                self.clients = max(self.clients, clients)

    def __enter__(self) -> SessionPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
