"""Fan-out on a real Celery worker (PostgreSQL, Redis as the broker).

Editing a template makes as many queries in the process that saves it whether 5 or
200 devices use it (counted with Django's ``CaptureQueriesContext`` around the save,
fan-out mode ``celery``), and the worker process re-renders every one of them.
"""

import re

import pytest

from ..basics import wait_until
from ..integration_helpers import Deployment
from ..services import require

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]

TEMPLATE = {"general": {"timezone": "UTC"}, "interfaces": [{"name": "eth0", "type": "ethernet"}]}
EDITED = {
    "general": {"timezone": "Asia/Tokyo"},
    "interfaces": [{"name": "eth0", "type": "ethernet"}],
}
BATCH = "django_netjsonconfig.tasks.render_config_batch"
MANY = 200


def _rendered_by_worker(worker):
    """The sum of what the worker's batches returned (configs whose checksum changed)."""
    found = re.findall(
        rf"Task {re.escape(BATCH)}\[[^\]]+\] succeeded in [0-9.e-]+s: (\d+)", worker.log_text()
    )
    return sum(int(n) for n in found)


def _wait_for_log(worker, expected):
    """A batch commits its rows before the worker logs "succeeded": give the log 10 s."""
    try:
        wait_until(lambda: _rendered_by_worker(worker) >= expected, 10, 0.05, "the worker's log")
    except AssertionError:
        pass  # the assertion that follows reports the difference with the logs


def test_a_template_edit_makes_as_many_queries_for_many_devices_as_for_few(tmp_path):
    require("postgres")
    require("redis")
    with Deployment(tmp_path, postgres=True, redis="shared") as site:
        driver = site.driver()
        few = driver.call("fleet", 5, TEMPLATE, prefix="few")
        many = driver.call("fleet", MANY, TEMPLATE, prefix="many")
        before = driver.call("states", fresh=False)
        worker = site.worker()

        small = driver.call("edit_template_counting_queries", few["template"], EDITED)
        wait_until(lambda: driver.call("pending_count") == 0, 30, 0.1, "the small fan-out")
        _wait_for_log(worker, 5)
        assert _rendered_by_worker(worker) == 5, site.logs()
        large = driver.call("edit_template_counting_queries", many["template"], EDITED)
        assert small["mode"] == large["mode"] == "celery"
        assert large["queries"] == small["queries"], (
            "\n".join(large["sql"]) + "\n---\n" + "\n".join(small["sql"])
        )

        wait_until(lambda: driver.call("pending_count") == 0, 60, 0.1, "the worker's re-renders")
        after = driver.call("states")
        _wait_for_log(worker, 5 + MANY)
        assert _rendered_by_worker(worker) == 5 + MANY, site.logs()
        for device_id, state in after.items():
            assert state["pending"] == 0
            assert state["checksum"] == state["fresh"] == state["archive_md5"]
            assert state["checksum"] != before[device_id]["checksum"]
            assert state["status"] == "modified"
        print(
            f"\n{small['queries']} queries to edit a template of 5 devices, "
            f"{large['queries']} for {MANY}; {len(worker.task_lines(BATCH, 'succeeded'))} batches"
        )
