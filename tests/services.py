"""Which real services this machine offers the test suite.

``python -m tests.services postgres`` exits 0 when PostgreSQL answers, 1 when it
does not (and 2 for an unknown name). Tests that need a service call
:func:`require`: it skips with the reason, or fails under ``REQUIRE_SERVICES=1``.
"""

import os
import shutil
import socket
import sys

import pytest

ADDRESSES = {
    "postgres": ("127.0.0.1", 5432),
    "redis": ("127.0.0.1", 6379),
}

POSTGRES_URL = os.environ.get(
    "POSTGRES_TEST_URL", "postgres://postgres@127.0.0.1:5432/netjsonconfig_tests"
)


def available(name: str) -> bool:
    """Whether the service ``name`` accepts a connection (within a second)."""
    host, port = ADDRESSES[name]
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require(name: str) -> None:
    """Go on when the service ``name`` answers; else skip (fail under REQUIRE_SERVICES=1)."""
    if available(name):
        return
    host, port = ADDRESSES[name]
    reason = f"{name} is not reachable at {host}:{port}"
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def require_redis_server() -> None:
    """Go on when a ``redis-server`` binary can run a private Redis; else skip (fail under
    REQUIRE_SERVICES=1)."""
    if shutil.which("redis-server"):
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail("redis-server is not installed (REQUIRE_SERVICES=1)")
    pytest.skip("redis-server is not installed")


def require_ssh_servers() -> None:
    """Go on when the SSH test servers can run (Dropbear, OpenSSH, root, the test user of
    tests/ssh/setup-test-user.sh); else skip (fail under REQUIRE_SERVICES=1)."""
    from .ssh_servers import missing

    reason = missing()
    if reason is None:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
    pytest.skip(reason)


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in ADDRESSES:
        print(f"usage: python -m tests.services {{{','.join(ADDRESSES)}}}", file=sys.stderr)
        sys.exit(2)
    sys.exit(0 if available(sys.argv[1]) else 1)
