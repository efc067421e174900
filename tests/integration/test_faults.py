"""Faults, on the real services: Redis down, the broker down, a worker killed mid-batch.

- Redis down (a ``redis-server`` of the test's own, killed, then started again):
  polls keep answering, right, from PostgreSQL; a template edited meanwhile is
  committed and answered; once Redis is back, the server caches again and sees the
  next change through the invalidation channel.
- The broker down (``CELERY_BROKER_URL`` on a closed port): a template edit commits,
  polls get the new configuration rendered on demand, and ``manage.py
  netjsonconfig_render_pending`` finishes the rest.
- A worker killed (SIGKILL) in the middle of a batch: the pool process of a prefork
  worker (the batch is rejected and delivered again at once), or a whole worker (the
  batch is delivered again to another worker after the broker's visibility timeout).
  Either way every device ends up with its right configuration.
"""

import os
import signal
import time

import pytest

from ..basics import free_port, wait_until
from ..integration_helpers import (
    Deployment,
    agent_for,
    assert_answers,
    fresh_checksums,
    source_address,
)
from ..services import require, require_redis_server

TEMPLATE = {"general": {"timezone": "UTC"}, "interfaces": [{"name": "eth0", "type": "ethernet"}]}
EDITED = {
    "general": {"timezone": "Europe/Paris"},
    "interfaces": [{"name": "eth0", "type": "ethernet"}],
}
EDITED_AGAIN = {
    "general": {"timezone": "Europe/Paris"},
    "interfaces": [{"name": "eth0", "type": "ethernet", "mtu": 1280}],
}
BATCH = "django_netjsonconfig.tasks.render_config_batch"
DELIVERY = 2.0  # seconds an invalidation may take to reach the web process
# seconds a web process may keep answering from its copy once Redis stops answering
HUNG_ALLOWANCE = 10.0


def assert_all_rendered(driver, context=""):
    states = driver.call("states")
    wrong = {
        device_id: state
        for device_id, state in states.items()
        if state["pending"] or not state["checksum"] == state["fresh"] == state["archive_md5"]
    }
    assert not wrong, f"{len(wrong)} configs not right: {list(wrong.items())[:3]}{context}"
    return states


@pytest.mark.postgres
@pytest.mark.redis
def test_polls_answer_from_postgres_while_redis_is_down_and_invalidations_resume(tmp_path):
    require("postgres")
    require_redis_server()
    with Deployment(tmp_path, postgres=True, redis="private") as site:
        driver = site.driver()
        made = driver.call("fleet", 20, TEMPLATE, prefix="redisdown")
        server = site.server()
        agents = {
            d["id"]: agent_for(d, server.url, timeout=15, source=source_address(i))
            for i, d in enumerate(made["devices"])
        }
        old = fresh_checksums(driver)
        first_id, first = next(iter(agents.items()))

        def cached(device_id, agent):
            agent.checksum()
            return driver.call("redis_poll_entry_exists", device_id)

        for device_id, agent in agents.items():
            wait_until(lambda: cached(device_id, agent), 10, 0.05, "the poll cache")  # noqa: B023

        site.private_redis.stop()  # SIGKILL: Redis is gone, cache and broker alike
        started = time.monotonic()
        assert_answers(agents, old, "\n" + site.logs())
        times = driver.call("edit_template", made["template"], EDITED)
        assert times["callbacks_done"] - times["started"] < 10, times
        edited = fresh_checksums(driver)
        assert all(edited[d] != old[d] for d in old)
        assert_answers(agents, edited, "\n" + site.logs())  # rendered on demand
        down_for = time.monotonic() - started

        site.private_redis.start()  # empty: Redis kept nothing
        # the server subscribes again and caches again ...
        wait_until(lambda: cached(first_id, first), 20, 0.1, "the server to cache again")
        driver.call("set_checksum_raw", first_id, "0" * 32)
        try:
            assert first.checksum() == edited[first_id], "not answered from the cache"
        finally:
            driver.call("set_checksum_raw", first_id, edited[first_id])
        # ... and hears the invalidations again
        driver.call("edit_template", made["template"], EDITED_AGAIN)
        again = fresh_checksums(driver)
        assert again[first_id] != edited[first_id]
        wait_until(lambda: first.checksum() == again[first_id], DELIVERY, 0.01, "the new checksum")
        assert_answers(agents, again, "\n" + site.logs())
        print(f"\nRedis down for {down_for:.1f} s: {len(agents)} devices answered right")


@pytest.mark.postgres
@pytest.mark.redis
def test_a_change_committed_while_redis_hangs_is_answered_within_seconds(tmp_path):
    """Redis stopped (SIGSTOP), not gone: connections stay open and nothing answers, as in
    a network partition. A change committed meanwhile cannot be published; the web
    process must stop trusting its copy within seconds, and must not trust what it
    kept once Redis answers again."""
    require("postgres")
    require_redis_server()
    with Deployment(tmp_path, postgres=True, redis="private") as site:
        driver = site.driver()
        made = driver.call("fleet", 3, TEMPLATE, prefix="redishang")
        server = site.server()
        agents = {
            d["id"]: agent_for(d, server.url, timeout=20, source=source_address(i))
            for i, d in enumerate(made["devices"])
        }
        old = fresh_checksums(driver)
        first_id, first = next(iter(agents.items()))
        wait_until(
            lambda: first.checksum() and driver.call("redis_poll_entry_exists", first_id),
            10,
            0.05,
            "the poll cache",
        )
        assert_answers(agents, old)
        redis = site.private_redis.process
        redis.signal_group(signal.SIGSTOP)
        try:
            times = driver.call("edit_template", made["template"], EDITED, timeout=60)
            assert times["callbacks_done"] - times["started"] < 20, times
            edited = fresh_checksums(driver)
            wait_until(
                lambda: all(a.checksum() == edited[d] for d, a in agents.items()),
                HUNG_ALLOWANCE,
                0.2,
                "the web process to stop answering from its copy",
            )
        finally:
            redis.signal_group(signal.SIGCONT)
        # Redis answers again: what the process kept from before must not come back
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            assert first.checksum() == edited[first_id]
            time.sleep(0.1)
        assert_answers(agents, edited, "\n" + site.logs())
        driver.call("edit_template", made["template"], EDITED_AGAIN)
        again = fresh_checksums(driver)
        wait_until(lambda: first.checksum() == again[first_id], 10, 0.05, "invalidations again")


@pytest.mark.postgres
@pytest.mark.redis
def test_a_template_edit_is_kept_and_rendered_on_demand_while_the_broker_is_down(tmp_path):
    require("postgres")
    require("redis")
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"
    with Deployment(tmp_path, env={"CELERY_BROKER_URL": dead_broker}) as site:
        driver = site.driver()
        assert driver.call("fanout_mode") == "celery"
        made = driver.call("fleet", 30, TEMPLATE, prefix="brokerdown")
        server = site.server()
        agents = {d["id"]: agent_for(d, server.url) for d in made["devices"]}
        assert_answers(agents, fresh_checksums(driver))

        times = driver.call("edit_template", made["template"], EDITED)
        assert times["callbacks_done"] - times["started"] < 15, times
        assert driver.call("pending_count") == 30  # the change is recorded, nothing rendered
        edited = fresh_checksums(driver)
        polled = dict(list(agents.items())[:10])
        assert_answers(polled, edited, "\n" + site.logs())  # rendered on demand
        assert driver.call("pending_count") == 20

        output = site.manage("netjsonconfig_render_pending")
        assert driver.call("pending_count") == 0, output
        states = assert_all_rendered(driver)
        assert {d: s["checksum"] for d, s in states.items()} == edited
        assert_answers(agents, edited, "\n" + site.logs())
        took = times["callbacks_done"] - times["started"]
        print(f"\nbroker down: edit committed in {took:.2f} s; render_pending: {output.strip()}")


def _edit_and_kill_mid_batch(driver, template_id, kill, devices):
    """Edit the template, wait until the worker is inside a batch, ``kill``; returns
    how many configs were still pending just after the kill."""
    driver.call("edit_template", template_id, EDITED)
    wait_until(
        lambda: 0 < driver.call("pending_count") < devices - 5, 30, 0.005, "a batch under way"
    )
    kill()
    left = driver.call("pending_count")
    assert left > 0, "the batch finished before the kill: make it longer"
    return left


def _task_ids(worker, event):
    return [line.split("[", 2)[2].split("]")[0] for line in worker.task_lines(BATCH, event)]


def _poll_sample(site, made, states, every=10):
    server = site.server()
    sample = made["devices"][::every]
    agents = {d["id"]: agent_for(d, server.url) for d in sample}
    expected = {device_id: state["checksum"] for device_id, state in states.items()}
    assert_answers(agents, expected, "\n" + site.logs())


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery
def test_a_batch_whose_pool_process_is_killed_is_redone(tmp_path):
    require("postgres")
    require("redis")
    devices = 200
    with Deployment(tmp_path) as site:
        driver = site.driver()
        made = driver.call("fleet", devices, TEMPLATE, prefix="poolkill")
        worker = site.worker(pool="prefork", concurrency=1)
        children = worker.children()
        assert len(children) == 1, children

        def kill():
            os.kill(children[0], signal.SIGKILL)

        left = _edit_and_kill_mid_batch(driver, made["template"], kill, devices)
        killed_at = time.monotonic()
        wait_until(lambda: driver.call("pending_count") == 0, 60, 0.1, "the batch redone")
        redone_in = time.monotonic() - killed_at
        received = _task_ids(worker, "received")
        assert len(received) > len(set(received)), f"no batch delivered twice\n{site.logs()}"
        assert "WorkerLostError" in worker.log_text() or "signal 9" in worker.log_text()
        states = assert_all_rendered(driver, "\n" + site.logs())
        _poll_sample(site, made, states)
        print(
            f"\npool process killed with {left} configs pending; all right {redone_in:.1f} s later"
        )


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.celery
def test_a_batch_whose_worker_is_killed_is_redone_by_another_worker(tmp_path):
    require("postgres")
    require("redis")
    devices = 200
    visibility = 3
    with Deployment(tmp_path, env={"CELERY_VISIBILITY_TIMEOUT": str(visibility)}) as site:
        driver = site.driver()
        made = driver.call("fleet", devices, TEMPLATE, prefix="workerkill")
        first = site.worker("worker-killed", pool="solo")

        def kill():
            first.signal_group(signal.SIGKILL)
            first.popen.wait(5)

        left = _edit_and_kill_mid_batch(driver, made["template"], kill, devices)
        killed_at = time.monotonic()
        time.sleep(0.5)
        assert driver.call("pending_count") == left  # nobody works on it now
        second = site.worker("worker-second", pool="solo")
        wait_until(lambda: driver.call("pending_count") == 0, 60, 0.1, "the batch redone")
        redone_in = time.monotonic() - killed_at
        unfinished = set(_task_ids(first, "received")) - set(_task_ids(first, "succeeded"))
        assert unfinished, f"the killed worker finished its batches\n{site.logs()}"
        # the batch's rows commit before the worker logs that the task succeeded
        deadline = time.monotonic() + 10
        while not unfinished <= set(_task_ids(second, "succeeded")):
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert unfinished <= set(_task_ids(second, "succeeded")), site.logs()
        states = assert_all_rendered(driver, "\n" + site.logs())
        _poll_sample(site, made, states)
        print(
            f"\nworker killed with {left} configs pending; redone by another worker, "
            f"all right {redone_in:.1f} s later (visibility timeout {visibility} s)"
        )
