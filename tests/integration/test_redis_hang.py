"""A Redis that hangs (stopped, not gone) costs a request a bounded wait, once.

A ``redis-server`` of the test's own serves the site's cache, Celery broker and poll
cache; it is stopped with SIGSTOP: connections stay open and nothing answers, as in a
network partition or an overloaded server. Every Redis call a request makes (the poll
cache's entries and generation counters, the broker's publish, Django's cache) must
give up quickly and the request go on as when Redis is down: an administrator's save
of a template (the real admin form) and the polls that render the changed configs on
demand each finish within a bound, and are right. Once Redis answers again, the
answers stay right and the next change reaches the devices through Redis again.
"""

import json
import signal
import time

import pytest

from bench.common import replace_field

from ..admin_http import AdminSession
from ..basics import wait_until
from ..integration_helpers import (
    Deployment,
    agent_for,
    assert_answers,
    fresh_checksums,
    source_address,
)
from ..services import require, require_redis_server
from .test_faults import EDITED, EDITED_AGAIN, TEMPLATE

ADMIN, PASSWORD = "hang-admin", "hang-admin-password-42"
# generous bounds (the machine may be busy): the point is "not several seconds per
# Redis call"; before the timeouts were bounded, a save took about 7 s more than with
# Redis answering, and every poll that rendered about 2 s
SAVE_BOUND = 2.0  # seconds over the same save with Redis answering
POLL_BOUND = 1.5


def template_change_path(template_id):
    return f"/admin/django_netjsonconfig/template/{template_id}/change/"


def save_template(admin, template_id, config):
    """The admin's change form of the template, saved with ``config``: seconds taken."""
    path = template_change_path(template_id)
    fields = admin.form(path, "template_form")
    assert fields, "no template form"
    fields = replace_field(fields, "config", json.dumps(config))
    started = time.monotonic()
    status, headers, body = admin.request("POST", path, fields)
    took = time.monotonic() - started
    assert status == 302, f"the admin refused the save ({status}): {body[:2000]}"
    return took


def timed_checksums(agents):
    """Each agent's checksum and the seconds its poll took."""
    out = {}
    for device_id, agent in agents.items():
        started = time.monotonic()
        checksum = agent.checksum()
        out[device_id] = (checksum, time.monotonic() - started)
    return out


@pytest.mark.postgres
@pytest.mark.redis
def test_a_hung_redis_costs_a_save_and_a_poll_a_bounded_wait(tmp_path):
    require("postgres")
    require_redis_server()
    env = {"DJANGO_SUPERUSER_USERNAME": ADMIN, "DJANGO_SUPERUSER_PASSWORD": PASSWORD}
    with Deployment(tmp_path, postgres=True, redis="private", env=env) as site:
        site.manage("collectstatic", "--noinput", "--verbosity", "0")  # the admin's pages
        site.manage("netjsonconfig_bootstrap")  # the administrator
        driver = site.driver()
        assert driver.call("fanout_mode") == "celery"
        made = driver.call("fleet", 3, TEMPLATE, prefix="hang")
        server = site.server()
        agents = {
            d["id"]: agent_for(d, server.url, timeout=30, source=source_address(i))
            for i, d in enumerate(made["devices"])
        }
        old = fresh_checksums(driver)
        assert_answers(agents, old)
        first_id = next(iter(agents))
        wait_until(
            lambda: (
                agents[first_id].checksum() and driver.call("redis_poll_entry_exists", first_id)
            ),
            10,
            0.05,
            "the poll cache",
        )
        admin = AdminSession(server.url)
        status, _, body = admin.login(ADMIN, PASSWORD)
        assert status == 302, body[:1000]
        # the same save with Redis answering (nothing changes: nothing to publish)
        baseline = save_template(admin, made["template"], TEMPLATE)
        assert_answers(agents, old)

        redis = site.private_redis.process
        redis.signal_group(signal.SIGSTOP)
        try:
            save_took = save_template(admin, made["template"], EDITED)
            edited = fresh_checksums(driver)
            assert all(edited[d] != old[d] for d in old)
            polled = timed_checksums(agents)  # rendered on demand: the broker is silent
            # once more: the process has given up on Redis, nothing waits any more
            again = timed_checksums(agents)
        finally:
            redis.signal_group(signal.SIGCONT)
        report = (
            f"save {save_took:.2f} s (Redis answering: {baseline:.2f} s); "
            f"polls {polled}; again {again}\n{site.logs()}"
        )
        assert save_took < baseline + SAVE_BOUND, report
        for answers in (polled, again):
            for device_id, (checksum, took) in answers.items():
                assert checksum == edited[device_id], report
                assert took < POLL_BOUND, report

        # Redis answers again: the answers stay right ...
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            assert agents[first_id].checksum() == edited[first_id]
            time.sleep(0.1)
        assert_answers(agents, edited, "\n" + site.logs())
        # ... and the next change reaches the devices through Redis
        wait_until(
            lambda: (
                agents[first_id].checksum() and driver.call("redis_poll_entry_exists", first_id)
            ),
            20,
            0.2,
            "the server to cache in Redis again",
        )
        save_template(admin, made["template"], EDITED_AGAIN)
        changed = fresh_checksums(driver)
        wait_until(
            lambda: all(a.checksum() == changed[d] for d, a in agents.items()),
            10,
            0.1,
            "the change after Redis came back",
        )
        print(
            f"\nhung Redis: save {save_took:.2f} s (Redis answering: {baseline:.2f} s), "
            f"polls {[round(t, 3) for _, t in polled.values()]}, "
            f"again {[round(t, 3) for _, t in again.values()]}"
        )
