"""Two processes, one works: the queue's claim on a piece of work is held by one process
at a time, waited for or given up, and freed when its holder dies."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration_helpers import postgres_database
from tests.services import require

ROOT = Path(__file__).resolve().parents[2]


def probe(database, key, hold, wait=False):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    args = [sys.executable, "-m", "tests.integration.claim_probe", database, key, str(hold)]
    return subprocess.Popen(
        [*args, "wait" if wait else "now"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def first_line(process):
    line = process.stdout.readline()
    if not line:
        raise AssertionError(f"the probe said nothing: {process.stderr.read()[-2000:]}")
    return line.split()


def finish(process):
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]
    return out.split("\n")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "site.sqlite3")
        return
    require("postgres")
    with postgres_database() as url:
        yield url


def test_while_one_process_holds_a_claim_another_gives_up(database):
    holder = probe(database, "netjsonconfig:render_pending", 3)
    assert first_line(holder)[0] == "got"
    other = probe(database, "netjsonconfig:render_pending", 0)
    assert first_line(other) == ["busy"]
    finish(other)
    unrelated = probe(database, "netjsonconfig:bulk_job:other", 0)
    assert first_line(unrelated)[0] in ("got", "busy")  # another key: a slot may be shared
    finish(unrelated)
    finish(holder)


def test_a_process_that_waits_works_after_the_holder_released(database):
    holder = probe(database, "netjsonconfig:generate_dh:1", 2)
    assert first_line(holder)[0] == "got"
    waiter = probe(database, "netjsonconfig:generate_dh:1", 0, wait=True)
    got_at = float(first_line(waiter)[1])
    releasing_at = float(finish(holder)[0].split()[1])
    finish(waiter)
    assert got_at >= releasing_at


def test_a_claim_dies_with_its_process(database):
    holder = probe(database, "netjsonconfig:render_pending", 60)
    assert first_line(holder)[0] == "got"
    os.killpg(holder.pid, signal.SIGKILL)
    holder.wait(10)
    with contextlib.closing(holder.stdout), contextlib.closing(holder.stderr):
        pass
    other = probe(database, "netjsonconfig:render_pending", 0)
    assert first_line(other)[0] == "got"
    finish(other)
