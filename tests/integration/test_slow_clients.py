"""Slow and idle clients do not take the site down.

A client that sends its headers a byte at a time, one that announces a body longer
than what it sends, one that connects and says nothing: with a server that gives a
worker (or a thread) to each connection until its request is read, a few of them
hold every worker, and devices' polls wait or fail. The demo site is started as
``make run`` starts it (:mod:`tests.demo_site`); 200 such connections are held open
(each one the server closes is opened again at once, as an attacker would), and the
checksum polls of a registered device must each be answered, right, within
:data:`POLL_BOUND` seconds meanwhile.
"""

import contextlib
import secrets
import socket
import threading
import time

from ..agent import Agent, http_transport
from ..demo_site import DemoSite, needs_server

pytestmark = needs_server

TRICKLE, SHORT_BODY, IDLE = 80, 60, 60  # 200 connections
HOLD = 12.0  # seconds the polls run while the connections are held (> the 5 s some servers wait)
POLL_EVERY = 0.2
POLL_BOUND = 1.0  # seconds: the bound of each poll's answer
POLL_TIMEOUT = 3.0  # seconds: the client gives up (a poll over POLL_BOUND fails anyway)
TRICKLE_EVERY = 0.5  # seconds between two bytes of a trickling client


class SlowClient:
    """One connection of a given kind, opened again whenever the server closes it."""

    def __init__(self, kind, port, device_path):
        self.kind, self.port, self.device_path = kind, port, device_path
        self.sock = None
        self.opened = 0  # how many times it was (re)opened
        self.last_byte = 0.0

    def open(self):
        self.close()
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setblocking(False)
        self.sock = sock
        self.opened += 1
        self.last_byte = time.monotonic()
        if self.kind == "trickle":
            self._send(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        elif self.kind == "short-body":
            body = b"key=" + b"0" * 10  # of the 1000 bytes announced
            self._send(
                b"POST " + self.device_path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\n" + body
            )

    def _send(self, data):
        try:
            self.sock.sendall(data)
        except (BlockingIOError, OSError):
            self.open()

    def tend(self, now):
        """Reopen the connection if the server closed it; trickle one more byte."""
        if self.closed_by_server():
            self.open()
        elif self.kind == "trickle" and now - self.last_byte >= TRICKLE_EVERY:
            self.last_byte = now
            self._send(b"a")

    def closed_by_server(self):
        try:
            data = self.sock.recv(4096)
        except BlockingIOError:
            return False  # nothing to read: still open
        except OSError:
            return True
        del data  # the end of the connection, or an answer (a 400, a 408): it is done
        return True

    def close(self):
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None


class SlowClients:
    """:data:`TRICKLE` + :data:`SHORT_BODY` + :data:`IDLE` connections, tended by a thread."""

    def __init__(self, port, device_path):
        self.clients = [
            SlowClient(kind, port, device_path)
            for kind, count in (("trickle", TRICKLE), ("short-body", SHORT_BODY), ("idle", IDLE))
            for _ in range(count)
        ]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.errors = []

    def __enter__(self):
        for client in self.clients:
            client.open()
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(0.1):
            now = time.monotonic()
            for client in self.clients:
                try:
                    client.tend(now)
                except OSError as exc:  # could not reopen: the server refuses connections
                    self.errors.append(repr(exc))

    def reopened(self):
        return sum(client.opened - 1 for client in self.clients)

    def open_count(self):
        return sum(1 for client in self.clients if client.sock is not None)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(10)
        for client in self.clients:
            client.close()


def timed_polls(agent, expected, seconds):
    """Checksum polls one after the other for ``seconds``: [(seconds taken, outcome)]."""
    results = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            outcome = agent.checksum()
        except Exception as exc:  # a timeout, a refused connection, a wrong answer
            outcome = repr(exc)
        taken = time.monotonic() - started
        results.append((round(taken, 3), outcome if outcome != expected else "ok"))
        time.sleep(max(0.0, POLL_EVERY - taken))
    return results


def test_polls_are_answered_while_200_slow_or_idle_connections_are_held(tmp_path):
    secret = secrets.token_urlsafe(18)
    with DemoSite(tmp_path, shared_secret=secret, bootstrap=False) as site:
        site.prepare()
        site.start()
        agent = Agent(
            transport=http_transport(site.url, timeout=POLL_TIMEOUT),
            mac_address="02:00:5e:10:20:30",
            shared_secret=secret,
            hostname="slow-clients-device",
        )
        agent.register()
        expected = agent.checksum()
        assert len(expected) == 32
        device_path = f"/controller/report-status/{agent.uuid}/"

        with SlowClients(site.port, device_path) as slow:
            time.sleep(1.0)  # the server accepts them (or not)
            polls = timed_polls(agent, expected, HOLD)
            held = slow.open_count()

        late = [(taken, outcome) for taken, outcome in polls if taken > POLL_BOUND]
        wrong = [(taken, outcome) for taken, outcome in polls if outcome != "ok"]
        assert held == TRICKLE + SHORT_BODY + IDLE
        assert not slow.errors, slow.errors[:5]
        assert not late and not wrong, (
            f"{len(late)} of {len(polls)} polls took over {POLL_BOUND} s, {len(wrong)} failed: "
            f"{(late or wrong)[:5]}\n{site.log()[-3000:]}"
        )
        assert len(polls) >= HOLD / (POLL_BOUND + POLL_EVERY), polls
        # the site is still whole once they are gone
        assert agent.checksum() == expected
        print(
            f"\n{len(polls)} polls, slowest {max(t for t, _ in polls):.3f} s; "
            f"slow connections reopened {slow.reopened()} times"
        )
