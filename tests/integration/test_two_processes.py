"""Two web processes see each other's invalidations (real servers, real services).

Two gunicorn servers of one site: a device polls server A, which then answers from
its own memory; a change committed elsewhere (a template edited through the ORM by
another process, as the admin saves it; the device renamed by a re-registration on
server B) must reach server A's next polls within a short, bounded wait:

- PostgreSQL + Redis: the invalidation travels over Redis pub/sub;
- embedded: both servers share one SQLite file and the generation file of the
  site's var dir.
"""

import time

import pytest

from ..basics import md5, wait_until
from ..integration_helpers import Deployment, agent_for
from ..services import require

TEMPLATE = {"general": {"timezone": "UTC"}, "interfaces": [{"name": "eth0", "type": "ethernet"}]}
EDITED = {
    "general": {"timezone": "Europe/Rome"},
    "interfaces": [{"name": "eth0", "type": "ethernet"}],
}
DELIVERY = 2.0  # seconds an invalidation may take to reach the other process


def _checksum_until(agent, wanted, timeout=DELIVERY):
    """Poll until ``wanted`` is answered; seconds it took and how many other answers
    came first (AssertionError on timeout)."""
    started = time.monotonic()
    seen = []

    def answered():
        seen.append(agent.checksum())
        return seen[-1] == wanted

    try:
        wait_until(answered, timeout, 0.01, f"checksum {wanted}")
    except AssertionError:
        raise AssertionError(f"still answered {seen[-1]} after {timeout} s") from None
    return time.monotonic() - started, len(seen) - 1


def _cached_on(agent, driver, device, checksum, redis):
    """Make server A keep the device's answer, and prove it answers from memory: a
    checksum written with SQL behind the application's back is not seen."""
    if redis:  # the first polls come before the invalidation channel is subscribed
        wait_until(
            lambda: agent.checksum() and driver.call("redis_poll_entry_exists", device["id"]),
            10,
            0.05,
            "server A to cache the poll answer in Redis",
        )
    # the first poll from an address records it, which voids that answer: poll again
    for _ in range(3):
        assert agent.checksum() == checksum
    driver.call("set_checksum_raw", device["id"], "0" * 32)
    try:
        assert agent.checksum() == checksum, "server A did not answer from its cache"
    finally:
        driver.call("set_checksum_raw", device["id"], checksum)


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("redis", marks=[pytest.mark.postgres, pytest.mark.redis], id="postgres-redis"),
        pytest.param("embedded", id="embedded-sqlite"),
    ],
)
def test_a_change_committed_elsewhere_reaches_the_other_web_process(tmp_path, mode):
    redis = mode == "redis"
    if redis:
        require("postgres")
        require("redis")
    with Deployment(tmp_path, postgres=redis, redis="shared" if redis else None) as site:
        driver = site.driver()
        made = driver.call("fleet", 3, TEMPLATE, prefix="twoproc")
        server_a = site.server("server-a")
        server_b = site.server("server-b")
        device = made["devices"][0]
        before = driver.call("states", [device["id"]])[device["id"]]
        agent_a = agent_for(device, server_a.url)
        _cached_on(agent_a, driver, device, before["checksum"], redis)

        # a template edited and committed by another process
        driver.call("edit_template", made["template"], EDITED)
        edited = driver.call("states", [device["id"]])[device["id"]]["fresh"]
        assert edited != before["checksum"]
        took, stale = _checksum_until(agent_a, edited)
        assert md5(agent_a.download()) == edited
        if not redis:  # the shared counter moved before the commit callbacks returned
            assert stale == 0
        assert driver.call("states", [device["id"]])[device["id"]]["checksum"] == edited

        # a change through server B: the device re-registers with another hostname
        _cached_on(agent_a, driver, device, edited, redis)
        agent_b = agent_for(device, server_b.url)
        agent_b.hostname = "renamed-on-b"
        agent_b.register()
        after = driver.call("states", [device["id"]])[device["id"]]
        assert after["name"] == "renamed-on-b"
        assert after["checksum"] not in (edited, before["checksum"])
        assert after["key"] == device["key"]  # consistent registration keeps the key
        took_b, stale_b = _checksum_until(agent_a, after["checksum"])
        assert md5(agent_a.download()) == after["checksum"]
        if not redis:
            assert stale_b == 0
        # the other devices of the fleet answer the edited template too, on both servers
        for other in made["devices"][1:]:
            fresh = driver.call("states", [other["id"]])[other["id"]]["fresh"]
            for server in (server_a, server_b):
                agent = agent_for(other, server.url)
                assert agent.checksum() == fresh
                assert md5(agent.download()) == fresh
        print(
            f"\n{mode}: A answered the template edit after {took:.3f} s ({stale} old answers "
            f"first), the rename after {took_b:.3f} s ({stale_b} old answers first)"
        )
