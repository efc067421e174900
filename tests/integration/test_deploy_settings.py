"""The demo site's deployment settings: Django's deployment check, host names, login limit.

- ``manage.py check --deploy`` passes without a warning in the production environment
  that ``docs/deployment.md`` documents (read from the page itself), and warns without it;
- bad values of the new variables stop the site with a message;
- ``make run`` answers only to the names it is given, and refuses to guess them when it
  listens on every address;
- the real admin login form (the site started as ``make run`` starts it) refuses a user
  name from an address after repeated failures, and lets it in again after the lockout,
  or at once after ``manage.py axes_reset``; the REST API's token endpoint counts its
  failures with the admin's.
"""

import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from ..admin_http import AdminSession
from ..basics import ROOT
from ..demo_site import DemoSite, get, needs_server, site_env

DEPLOYMENT_DOC = ROOT / "docs" / "deployment.md"


def documented_production_environment():
    """The variables of the first ``sh`` block under "## Production settings"."""
    text = DEPLOYMENT_DOC.read_text()
    section = text.split("\n## Production settings", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    found = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(\S*)", block, re.M))
    assert found, block
    return found


def check_deploy(tmp_path, **variables):
    env = site_env(tmp_path / "var", NETJSONCONFIG_SHARED_SECRET=secrets.token_urlsafe(24))
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_check_passes_in_the_documented_production_environment(tmp_path):
    environment = documented_production_environment()
    for name in ("DJANGO_ALLOWED_HOSTS", "DJANGO_HTTPS", "DJANGO_HSTS_SECONDS"):
        assert name in environment, environment
    result = check_deploy(tmp_path, **environment)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_the_deployment_check_warns_without_it(tmp_path):
    result = check_deploy(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in output, output


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DJANGO_HTTPS": "1", "DJANGO_HSTS_SECONDS": "a year"}, "must be a whole number"),
        ({"DJANGO_HTTPS": "1", "DJANGO_HSTS_SECONDS": "-5"}, "must not be negative"),
        ({"DJANGO_HSTS_SECONDS": "3600"}, "need DJANGO_HTTPS=1"),
        ({"DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "need DJANGO_HTTPS=1"),
        (
            {"DJANGO_HTTPS": "1", "DJANGO_SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto: https"},
            "must be a header name",
        ),
        ({"DJANGO_HTTPS": "maybe"}, "must be a boolean"),
        ({"DJANGO_LOGIN_FAILURE_LIMIT": "many"}, "must be a whole number"),
    ],
)
def test_bad_deployment_values_stop_the_site_with_a_message(tmp_path, variables, message):
    result = check_deploy(tmp_path, **variables)
    assert result.returncode != 0
    assert message in result.stderr, result.stderr
    assert "ImproperlyConfigured" in result.stderr


def make_run_dry(*args):
    return subprocess.run(
        ["make", "-n", "run", *args],
        cwd=ROOT,
        env=site_env(ROOT / "var"),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_make_run_on_every_address_needs_the_host_names(host):
    refused = make_run_dry(f"HOST={host}")
    assert refused.returncode != 0
    assert "set DJANGO_ALLOWED_HOSTS" in refused.stderr, refused.stderr
    given = make_run_dry(f"HOST={host}", "DJANGO_ALLOWED_HOSTS=controller.example.com")
    assert given.returncode == 0, given.stderr
    assert "host names controller.example.com " in given.stdout


def test_make_run_answers_to_the_address_it_listens_on():
    result = make_run_dry("HOST=192.0.2.7")
    assert result.returncode == 0, result.stderr
    assert "host names 192.0.2.7,localhost,127.0.0.1,[::1] " in result.stdout


@needs_server
def test_a_request_for_another_host_name_is_refused(tmp_path):
    with DemoSite(tmp_path, bootstrap=False) as site:
        site.prepare()
        site.start()
        for name in ("127.0.0.1", "localhost"):
            status, *_ = get(f"{site.url}/healthz", headers={"Host": f"{name}:{site.port}"})
            assert status == 200, name
        status, *_ = get(f"{site.url}/healthz", headers={"Host": "attacker.example"})
        assert status == 400
        assert "Invalid HTTP_HOST header" in site.log()


LIMIT, LOCKOUT = 3, 4  # failures, seconds


@needs_server
def test_the_admin_login_locks_out_repeated_failures_then_lets_in_again(tmp_path):
    env = {
        "DJANGO_LOGIN_FAILURE_LIMIT": str(LIMIT),
        "DJANGO_LOGIN_LOCKOUT_SECONDS": str(LOCKOUT),
    }
    with DemoSite(tmp_path, bootstrap=True, env=env) as site:
        site.prepare()
        site.start()
        username = site.env["DJANGO_SUPERUSER_USERNAME"]
        password = site.env["DJANGO_SUPERUSER_PASSWORD"]

        def fail_until_locked():
            admin = AdminSession(site.url)  # a browser that is not logged in
            for _ in range(LIMIT - 1):
                status, _, page = admin.login(username, "wrong-" + secrets.token_hex(4))
                assert status == 200, status  # the form again, with its error
                assert "Please enter the correct username and password" in page
            # the last failure allowed locks the pair out ...
            status, _, page = admin.login(username, "wrong-" + secrets.token_hex(4))
            assert status == 429, (status, page[:500])
            assert "too many login attempts" in page.lower(), page[:500]
            # ... and the right password no longer gets in
            status, _, page = admin.login(username, password)
            assert status == 429, (status, page[:500])
            return time.monotonic()

        locked_at = fail_until_locked()
        # another user name from the same address is not locked
        status, _, _ = AdminSession(site.url).login("someone-else", "wrong")
        assert status == 200
        # nor is the right user's password refused for ever: the lockout ends
        time.sleep(max(0.0, locked_at + LOCKOUT + 0.5 - time.monotonic()))
        status, headers, page = AdminSession(site.url).login(username, password)
        assert status == 302, (status, page[:500])
        assert headers["Location"] == "/admin/"

        # locked again; an administrator lifts it at once
        fail_until_locked()
        output = site.manage("axes_reset").stdout
        assert "1 attempts removed" in output, output
        status, _, _ = AdminSession(site.url).login(username, password)
        assert status == 302


def _token(site, username, password):
    """``(status, body)`` of the REST API's token request, form-encoded."""
    data = urllib.parse.urlencode({"username": username, "password": password}).encode()
    request = urllib.request.Request(f"{site.url}/api/v1/users/token/", data=data)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@needs_server
def test_the_api_token_endpoint_shares_the_login_lockout(tmp_path):
    """The demo site's REST API: a token for the right password; repeated failures lock
    the user name out of the token endpoint and of the admin's login alike."""
    env = {"DJANGO_LOGIN_FAILURE_LIMIT": str(LIMIT), "DJANGO_LOGIN_LOCKOUT_SECONDS": "60"}
    with DemoSite(tmp_path, bootstrap=True, env=env) as site:
        site.prepare()
        site.start()
        username = site.env["DJANGO_SUPERUSER_USERNAME"]
        password = site.env["DJANGO_SUPERUSER_PASSWORD"]
        status, body = _token(site, username, password)
        assert status == 200 and '"token"' in body, body
        statuses = [_token(site, username, f"wrong-{n}")[0] for n in range(LIMIT)]
        assert statuses[:-1] == [400] * (LIMIT - 1) and statuses[-1] == 429, statuses
        assert _token(site, username, password)[0] == 429
        status, _, _ = AdminSession(site.url).login(username, password)
        assert status == 429
