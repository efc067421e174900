"""Never stale: a fleet polls continuously while a template they all use is edited.

A gunicorn server (two workers) with PostgreSQL, Redis and a real Celery worker;
threads poll every device as the agent does (checksum, then download-config, then
report-status), each device from a loopback address of its own, but one in ten
from 127.0.0.1 (devices sharing a private address: their polls write it anew). The
template is edited through the ORM in another process, in a transaction held open
for a moment. Then:

- no answer is ever an error;
- a poll that completed before the edit began answers the old configuration;
- from the commit on (plus a small allowance for the invalidation to be delivered
  over Redis), every checksum is the new render and equals the MD5 of the archive
  download-config gives right after;
- every device gets its new configuration within 60 s, and the database ends with
  every config rendered, none pending.
"""

import pytest

from ..basics import wait_until
from ..integration_helpers import Deployment, FleetPoller
from ..services import require

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery]

DEVICES = 200
POLLERS = 8
ALLOWANCE = 0.5  # seconds for the invalidation to reach the web processes after commit
HOLD = 0.5  # seconds the edit's transaction stays open, uncommitted
TEMPLATE = {
    "general": {"timezone": "UTC"},
    "interfaces": [{"name": "eth0", "type": "ethernet"}, {"name": "eth1", "type": "ethernet"}],
}
EDITED = {
    "general": {"timezone": "Europe/Rome"},
    "interfaces": [
        {"name": "eth0", "type": "ethernet", "mtu": 1400},
        {"name": "eth1", "type": "ethernet"},
    ],
}


def test_no_device_is_answered_a_stale_config_after_a_template_edit_commits(tmp_path):
    require("postgres")
    require("redis")
    with Deployment(tmp_path, postgres=True, redis="shared") as site:
        driver = site.driver()
        made = driver.call("fleet", DEVICES, TEMPLATE, prefix="fleet")
        devices = made["devices"]
        old = {d: s["checksum"] for d, s in driver.call("states", fresh=False).items()}
        worker = site.worker()
        server = site.server(workers=2)

        with FleetPoller(devices, server.url, threads=POLLERS) as poller:
            # every device polled (and its answer cached) before the edit
            wait_until(
                lambda: (
                    len({p.device for p in poller.snapshot()}) == DEVICES
                    and len(poller.snapshot()) >= 1.5 * DEVICES
                ),
                60,
                0.1,
                "a first round of polls",
            )
            times = driver.call("edit_template", made["template"], EDITED, hold=HOLD)
            committed = times["committed"]
            wait_until(lambda: driver.call("pending_count") == 0, 60, 0.1, "the re-renders")
            final = driver.call("states")
            new = {d: s["fresh"] for d, s in final.items()}

            def everyone_has_it():
                done = {
                    p.device
                    for p in poller.snapshot()
                    if p.started > committed + ALLOWANCE and p.checksum == new[p.device]
                }
                return len(done) == DEVICES

            wait_until(everyone_has_it, 60, 0.1, "every device to poll its new config")
        polls = poller.snapshot()
        context = f"\n{site.logs()}"

        assert not poller.errors, f"{poller.errors[:5]}{context}"
        bad = [s for s in poller.statuses if s[1] != 200]
        assert not bad, f"non-200 answers: {bad[:10]}{context}"
        assert all(old[d] != new[d] for d in new), "the edit must change every config"
        for state in final.values():
            assert state["pending"] == 0
            assert state["checksum"] == state["fresh"] == state["archive_md5"]

        before, during, after = [], [], []
        for p in polls:
            if p.finished < times["started"]:
                before.append(p)
            elif p.started > committed + ALLOWANCE:
                after.append(p)
            else:
                during.append(p)
        assert before and after
        wrong_before = [p for p in before if not p.checksum == p.archive_md5 == old[p.device]]
        assert not wrong_before, f"{wrong_before[:5]}{context}"
        stale = [p for p in after if p.checksum != new[p.device]]
        assert not stale, f"{len(stale)} stale answers after the commit: {stale[:5]}{context}"
        mismatched = [p for p in after if p.archive_md5 != p.checksum]
        assert not mismatched, f"checksum is not the archive's MD5: {mismatched[:5]}{context}"
        unknown = [
            p for p in during if {p.checksum, p.archive_md5} - {old[p.device], new[p.device]}
        ]
        assert not unknown, f"answers that are neither the old nor the new: {unknown[:5]}"
        # uncommitted, the edit is invisible: polls done while it was open answer the old
        inside = [p for p in during if p.finished < committed - 0.05]
        assert all(p.checksum == p.archive_md5 == old[p.device] for p in inside), inside[:5]
        batches = worker.task_lines("django_netjsonconfig.tasks.render_config_batch", "succeeded")
        assert batches, context

        latest_old = max((p.started for p in polls if p.checksum == old[p.device]), default=0)
        first_new = {}
        for p in sorted(after, key=lambda p: p.started):
            first_new.setdefault(p.device, p.started)
        print(
            f"\n{len(polls)} polls: {len(before)} before the edit, {len(inside)} inside its "
            f"transaction, {len(during)} until {ALLOWANCE} s after the commit, {len(after)} "
            f"after; latest poll answered the old config started "
            f"{latest_old - committed:+.3f} s from the commit; every device had polled its "
            f"new config {max(first_new.values()) - committed:.1f} s after the commit; "
            f"{len(batches)} batch task(s) on the worker"
        )
