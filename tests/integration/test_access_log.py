"""No device key and no shared secret in the logs of ``make run``'s server.

Every poll carries the device's key in its query string. The demo site is started
as ``make run`` starts it (:mod:`tests.demo_site`, the shared gunicorn configuration
and its logger), a device registers and polls, requests put the key and the secret
in the query string every way Django would read them (percent-encoded names, upper
case, several parameters, a referrer, a request line gunicorn refuses), and the log
file must hold none of them, while still saying which requests were made.
"""

import secrets
import socket
import urllib.parse

import pytest

from demo.gunicorn_logging import REDACTED, redact

from ..agent import Agent, http_transport
from ..demo_site import DemoSite, get, needs_server


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key=abc", f"key={REDACTED}"),
        ("management_ip=10.0.0.1&key=abc", f"management_ip=10.0.0.1&key={REDACTED}"),
        (
            "GET /controller/checksum/x/?key=abc&a=1 HTTP/1.1",
            f"GET /controller/checksum/x/?key={REDACTED}&a=1 HTTP/1.1",
        ),
        ("/p?KEY=abc&Secret=s3", f"/p?KEY={REDACTED}&Secret={REDACTED}"),
        ("/p?k%65y=abc", f"/p?k%65y={REDACTED}"),  # Django reads it as "key"
        ("/p?key=a%26b;c?d", f"/p?key={REDACTED}"),
        ("/p?monkey=1&keys=2&key_id=3", "/p?monkey=1&keys=2&key_id=3"),
        ("Invalid HTTP request line: 'GET /?secret=s3 junk'", None),
        ("", ""),
        (None, None),
    ],
)
def test_redact(text, expected):
    redacted = redact(text)
    if expected is not None or text is None:
        assert redacted == expected
    else:
        assert "s3" not in redacted and REDACTED in redacted


def send_raw(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(4096):
            pass


@needs_server
def test_the_logs_of_make_run_show_no_key_and_no_secret(tmp_path):
    secret = "shared-" + secrets.token_hex(12)
    with DemoSite(tmp_path, shared_secret=secret, bootstrap=False) as site:
        site.prepare()
        site.start()
        agent = Agent(
            transport=http_transport(site.url, timeout=10),
            mac_address="02:00:5e:40:50:60",
            shared_secret=secret,
            hostname="log-device",
        )
        agent.register()
        key = agent.key
        assert agent.checksum()
        assert agent.download()
        agent.report_status("applied")

        device = f"/controller/checksum/{agent.uuid}/"
        quoted = urllib.parse.quote(key)
        for query in (
            f"management_ip=10.9.8.7&key={key}",
            f"k%65y={quoted}",
            f"KEY={key}&key={key}",
            f"key={key}&secret={secret}",
        ):
            status, *_ = get(f"{site.url}{device}?{query}")
            assert status in (200, 400, 403), query
        get(f"{site.url}/healthz", headers={"Referer": f"https://example.org/?key={key}"})
        # a request gunicorn refuses: its error log quotes the request line
        send_raw(site.port, f"GET {device}?key={key}&secret={secret} HTTP/9.9\r\n\r\n".encode())
        send_raw(site.port, f"GET {device}?key={key} junk junk\r\n\r\n".encode())
        status, *_ = get(f"{site.url}/healthz?last=1")
        assert status == 200

        site.stop()
        log = site.log()
        assert "/healthz?last=1" in log  # everything was written
        assert key not in log and quoted not in log, log
        assert secret not in log, log
        # the requests are still there, with their other parameters
        assert f"GET {device}?management_ip=10.9.8.7&key={REDACTED} HTTP/1.1" in log, log
        assert f"k%65y={REDACTED}" in log
        assert f"https://example.org/?key={REDACTED}" in log
        assert "Invalid" in log  # the refused requests were logged
