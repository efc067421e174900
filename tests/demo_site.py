"""The demo site started as ``make run`` starts it, for the tests that need a real server.

``make run`` runs ``migrate``, ``collectstatic`` and ``netjsonconfig_bootstrap``, then
``gunicorn -c demo/gunicorn_conf.py demo.wsgi --bind HOST:PORT --workers N``: the
options of the server (worker class, logger, timeouts) come from that one file, which
:class:`DemoSite` uses too. Each site has its own temporary ``NETJSONCONFIG_VAR_DIR``
(SQLite database, secrets, static files) and a free loopback port.

These tests are slow (a few seconds each): they run only with ``RUN_MAKE_RUN=1`` or
``REQUIRE_SERVICES=1`` (CI sets it); see :data:`needs_server`.
"""

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .basics import ROOT, free_port

GUNICORN_CONF = "demo/gunicorn_conf.py"
STEP_TIMEOUT = 60  # seconds, for one management command
START_TIMEOUT = 30  # seconds, for gunicorn to answer

needs_server = pytest.mark.skipif(
    os.environ.get("RUN_MAKE_RUN") != "1" and os.environ.get("REQUIRE_SERVICES") != "1",
    reason="starts the demo site with gunicorn: set RUN_MAKE_RUN=1 (or REQUIRE_SERVICES=1)",
)


def site_env(var_dir, **extra):
    """The environment ``make run`` gives the site, with ``var_dir`` as its var dir."""
    env = dict(os.environ)
    # the demo site's own defaults: SQLite in var_dir, no Redis, no debug
    for name in list(env):
        if name.startswith(("DJANGO_", "NETJSONCONFIG_", "CELERY_")) or name in (
            "DATABASE_URL",
            "REDIS_URL",
            "TEST_DATABASE_URL",
        ):
            del env[name]
    env.update(
        DJANGO_SETTINGS_MODULE="demo.settings",
        NETJSONCONFIG_VAR_DIR=str(var_dir),
        DJANGO_SUPERUSER_USERNAME="make-run-admin",
        DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(12),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env, *args, check=True):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if check:
        assert result.returncode == 0, (
            f"manage.py {' '.join(args)} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def get(url, timeout=5, headers=None):
    """``(status, final URL, headers, body)``; redirects are followed."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.url, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.url, exc.headers, exc.read()


class DemoSite:
    """A var dir prepared as ``make run`` prepares it, and gunicorn serving it.

    ``shared_secret``: written to the var dir as ``make run`` generates it. ``env``:
    more environment variables. :meth:`start` runs gunicorn with the shared
    configuration file; its output (access and error logs) goes to :attr:`log_path`.
    """

    def __init__(self, directory, *, shared_secret=None, env=None, bootstrap=True):
        self.directory = Path(directory)
        self.var_dir = self.directory / "var"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.shared_secret = shared_secret or secrets.token_urlsafe(24)
        (self.var_dir / "shared_secret").write_text(self.shared_secret + "\n")
        self.env = site_env(self.var_dir, **(env or {}))
        self.log_path = self.directory / "gunicorn.log"
        self.bootstrap = bootstrap
        self.proc = None
        self.port = None
        self.url = None

    def prepare(self):
        """``make run``'s steps before gunicorn; the bootstrap's output."""
        self.manage("migrate", "--noinput")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        if self.bootstrap:
            return self.manage("netjsonconfig_bootstrap", "--demo").stdout
        return ""

    def manage(self, *args, check=True):
        return manage(self.env, *args, check=check)

    def command(self, host="127.0.0.1", workers=2, extra=()):
        """The gunicorn command line of ``make run`` (its logs: this site's log file)."""
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            GUNICORN_CONF,
            "demo.wsgi",
            "--bind",
            f"{host}:{self.port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--error-logfile",
            "-",
            *extra,
        ]

    def start(self, workers=2, extra=(), ready_path="/healthz"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.command(workers=workers, extra=extra),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"gunicorn exited {self.proc.returncode}:\n{self.log()}")
            with contextlib.suppress(OSError):
                status, *_ = get(self.url + ready_path, timeout=2)
                if status == 200 and len(self.workers()) >= workers:
                    return self
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer in {START_TIMEOUT}s:\n{self.log()}")

    def workers(self):
        """Pids of gunicorn's workers."""
        if self.proc is None:
            return []
        with contextlib.suppress(OSError):
            path = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
            return [int(pid) for pid in path.read_text().split()]
        return []

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self):
        """Stop gunicorn (its session: the workers too), by its process id."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
