"""The demo site starts the way ``make run`` starts it, and serves the admin.

It runs the steps of ``make run`` (migrate, collectstatic, bootstrap, gunicorn)
with a temporary ``NETJSONCONFIG_VAR_DIR`` on a free port. Slow (about 10 s):
it runs only with ``RUN_MAKE_RUN=1`` or ``REQUIRE_SERVICES=1``.
"""

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STEP_TIMEOUT = 40  # seconds, for one management command
START_TIMEOUT = 20  # seconds, for gunicorn to answer

pytestmark = pytest.mark.skipif(
    os.environ.get("RUN_MAKE_RUN") != "1" and os.environ.get("REQUIRE_SERVICES") != "1",
    reason="starts the demo site with gunicorn: set RUN_MAKE_RUN=1 (or REQUIRE_SERVICES=1)",
)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def control_socket_args(var_dir):
    """Like make run: recent gunicorn's control socket in the site's var dir."""
    import gunicorn.config

    if hasattr(gunicorn.config, "ControlSocket"):
        return [f"--control-socket={var_dir / 'gunicorn.ctl'}"]
    return []


def site_env(var_dir):
    env = dict(os.environ)
    # the demo site's own defaults: SQLite in var_dir, no Redis, no debug
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "NETJSONCONFIG_SHARED_SECRET"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="demo.settings",
        NETJSONCONFIG_VAR_DIR=str(var_dir),
        DJANGO_SUPERUSER_USERNAME="make-run-admin",
        DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(12),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} exited {result.returncode}\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    return result.stdout


def get(url, timeout=5):
    """``(status, final URL, headers, body)``; redirects are followed."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.url, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.url, exc.headers, exc.read()


def wait_until_up(proc, url, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited {proc.returncode}:\n{log_path.read_text()}")
        try:
            return get(url, timeout=2)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} in {START_TIMEOUT}s:\n{log_path.read_text()}")


def test_demo_site_serves_admin_and_static_files(tmp_path):
    var_dir = tmp_path / "var"
    var_dir.mkdir()
    # like make run: a shared secret generated into the var dir
    (var_dir / "shared_secret").write_text(secrets.token_urlsafe(24) + "\n")
    env = site_env(var_dir)

    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    first = manage(env, "netjsonconfig_bootstrap", "--demo")
    assert "Loaded the demo" in first
    # idempotent: a second run changes nothing
    second = manage(env, "netjsonconfig_bootstrap", "--demo")
    assert "Demo data not loaded" in second
    assert (var_dir / "secret_key").is_file()
    assert (var_dir / "db.sqlite3").is_file()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "demo.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                "-",
                "--error-logfile",
                "-",
                *control_socket_args(var_dir),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        status, _, _, body = wait_until_up(proc, f"{base}/admin/login/", log_path)
        assert status == 200, log_path.read_text()
        page = body.decode()
        assert 'name="username"' in page

        # the stylesheets the login page links to (hashed names) are served
        stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
        assert stylesheets, page
        for href in stylesheets:
            status, _, headers, css = get(base + href)
            assert status == 200, href
            assert headers.get_content_type() == "text/css", href
            assert css

        status, _, headers, css = get(f"{base}/static/admin/css/base.css")
        assert status == 200
        assert headers.get_content_type() == "text/css"

        # "/" redirects to the admin, which redirects to its login page
        status, url, _, _ = get(f"{base}/")
        assert status == 200
        assert url.startswith(f"{base}/admin/login/")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
