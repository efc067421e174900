"""Celery is an extra: a site without it imports the app, passes its checks and re-renders
in threads (the embedded mode); asking for Celery without it is a clear start-up error."""

import json
import os
import subprocess
import sys

from ..basics import ROOT


def test_without_celery_the_app_checks_and_rerenders_in_a_thread(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("TEST_DATABASE_URL",)}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings_default_sqlite",
        NETJSONCONFIG_TEST_SQLITE=str(tmp_path / "site.sqlite3"),
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.without_celery"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])

    assert not report["celery_imported"]
    # none (the editor's browser libraries are missing where `make assets` has not run)
    assert set(report["checks"]) <= {"django_netjsonconfig.W002"}, report["checks"]
    assert report["mode"] == "thread"
    assert report["rerendered"] == 3 and report["pending"] == 0
    assert report["statuses"] == ["modified"]
    assert report["task_called"] == 0  # the task's function runs; nothing left to render
    assert report["delay"].startswith("ImproperlyConfigured: Celery is not installed: ")
    assert "pip install 'django-netjsonconfig[celery]'" in report["delay"]
    assert "(django_netjsonconfig.E005)" in report["check_celery"]
    assert (
        'NETJSONCONFIG_FANOUT is "celery" but Celery is not installed' in (report["check_celery"])
    )
