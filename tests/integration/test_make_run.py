"""The demo site starts the way ``make run`` starts it, and serves the admin.

It runs the steps of ``make run`` (migrate, collectstatic, bootstrap, gunicorn with
``demo/gunicorn_conf.py``) with a temporary ``NETJSONCONFIG_VAR_DIR`` on a free port.
Slow (about 10 s): it runs only with ``RUN_MAKE_RUN=1`` or ``REQUIRE_SERVICES=1``.
"""

import re
import subprocess

from ..basics import ROOT
from ..demo_site import GUNICORN_CONF, DemoSite, get, needs_server

pytestmark = needs_server


def test_demo_site_serves_admin_and_static_files(tmp_path):
    with DemoSite(tmp_path) as site:
        first = site.prepare()
        assert "Loaded the demo" in first
        # idempotent: a second run changes nothing
        second = site.manage("netjsonconfig_bootstrap", "--demo").stdout
        assert "Demo data not loaded" in second
        assert (site.var_dir / "secret_key").is_file()
        assert (site.var_dir / "db.sqlite3").is_file()

        site.start(ready_path="/admin/login/")
        base = site.url
        status, _, _, body = get(f"{base}/admin/login/")
        assert status == 200, site.log()
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


def test_make_run_starts_gunicorn_with_the_shared_configuration(tmp_path):
    """The tests and the benchmarks start the server with the file ``make run`` uses."""
    result = subprocess.run(
        ["make", "-n", "run", "HOST=127.0.0.1", "PORT=8123", f"NETJSONCONFIG_VAR_DIR={tmp_path}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    (line,) = [ln for ln in result.stdout.splitlines() if "gunicorn" in ln and "demo.wsgi" in ln]
    assert f"-c {GUNICORN_CONF} demo.wsgi" in line, line
    assert "--bind '127.0.0.1:8123'" in line, line
