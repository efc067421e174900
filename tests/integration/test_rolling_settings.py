"""Old and new workers side by side with different global variables (a rolling restart).

Real processes of one site sharing one database: an "old" web server and an "old" admin
process with ``NETJSONCONFIG_CONTEXT = {"site": "A"}``, then a "new" web server with
``{"site": "B"}``. The new settings must win: the new server re-renders what was rendered
with A, the old server does not undo it, and what the old processes render after the new
server caught up (a template saved in the old admin) is redone once they are gone. It used
to stay rendered with A: a process caught up once per settings, never again.
"""

import gzip
import io
import json
import tarfile

import pytest

from ..basics import md5, wait_until
from ..integration_helpers import Deployment, agent_for
from ..services import require

TEMPLATE = {"files": [{"path": "/etc/site", "mode": "0644", "contents": "site={{ site }}"}]}
EDITED = {"files": [{"path": "/etc/site", "mode": "0644", "contents": "edited={{ site }}"}]}
RECHECK = 0.5  # seconds between two checks of a process (the default is 60)


def env(site, **extra):
    return {
        "DJANGO_SETTINGS_MODULE": "tests.settings_env_context",
        "TEST_NETJSONCONFIG_CONTEXT": json.dumps({"site": site}),
        "TEST_NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL": str(RECHECK),
        **extra,
    }


def site_file(archive):
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        return tar.extractfile("etc/site").read().decode()


def served(agent):
    """What the device gets: the checksum, and the file of the archive it downloads
    (None when the two do not agree yet)."""
    checksum = agent.checksum()
    archive = agent.download()
    return site_file(archive) if md5(archive) == checksum else None


def wait_served(agents, text, timeout=15.0):
    for agent in agents:
        wait_until(lambda a=agent: served(a) == text, timeout, 0.05, f"{agent.uuid}: {text}")


def all_rendered_with(driver, devices):
    """Every stored archive is what the driver's settings render now, nothing pending."""
    states = driver.call("states", [d["id"] for d in devices])
    return all(
        s["checksum"] == s["fresh"] == s["archive_md5"] and not s["pending"]
        for s in states.values()
    )


@pytest.mark.parametrize(
    "mode",
    [
        pytest.param("redis", marks=[pytest.mark.postgres, pytest.mark.redis], id="postgres-redis"),
        pytest.param("embedded", id="embedded-sqlite"),
    ],
)
def test_the_settings_of_the_newest_process_win(tmp_path, mode):
    redis = mode == "redis"
    if redis:
        require("postgres")
        require("redis")
    with Deployment(tmp_path, postgres=redis, redis="shared" if redis else None) as site:
        old_admin = site.driver("old-admin", env=env("A", TEST_NETJSONCONFIG_FANOUT="inline"))
        made = old_admin.call("fleet", 3, TEMPLATE, prefix="rolling")
        devices = made["devices"]
        old = site.server("old", env=env("A"))
        old_agents = [agent_for(d, old.url) for d in devices]
        wait_served(old_agents, "site=A")

        # the new workers start: the new server re-renders everything with B
        new = site.server("new", env=env("B"))
        new_agents = [agent_for(d, new.url) for d in devices]
        wait_served(new_agents, "site=B")
        new_admin = site.driver("new-admin", env=env("B"))
        wait_until(lambda: all_rendered_with(new_admin, devices), 15, 0.1, "B everywhere")

        # the old server, polled for longer than its checks' interval, leaves B alone
        for _ in range(int(3 * RECHECK / 0.05)):
            for agent in old_agents:
                agent.checksum()
        assert all_rendered_with(new_admin, devices), site.logs()
        assert all(served(agent) == "site=B" for agent in old_agents)

        # the old admin saves the template: its renders use A, after the new server caught up
        old_admin.call("edit_template", made["template"], EDITED)
        assert all_rendered_with(old_admin, devices)  # rendered with A, as it was
        assert all(served(agent) == "edited=A" for agent in old_agents)

        # the old processes go away; the new server redoes their renders at its next check
        old.stop()
        old_admin.stop()
        wait_served(new_agents, "edited=B")
        wait_until(lambda: all_rendered_with(new_admin, devices), 15, 0.1, "edited=B everywhere")
