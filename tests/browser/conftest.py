"""Browser tests: the admin driven in Debian's Chromium by Playwright.

They need ``/usr/bin/chromium`` (``apt-get install chromium``; Playwright's own
browser download is never used), the Python ``playwright`` package (the ``test``
extra) and the editor's libraries (``make assets``). Without one of them the tests
skip, saying which; under ``REQUIRE_SERVICES=1`` (CI) they fail instead.

Screenshots of each step go to ``artifacts/browser/`` (gitignored).
"""

import os
from pathlib import Path

import pytest

from django_netjsonconfig.base.admin import fields

from ..basics import ROOT

ARTIFACTS = ROOT / "artifacts" / "browser"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
USERNAME, PASSWORD = "operator", "operator-password"

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests
# (and of the live server's fixtures) are still plain synchronous code
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


def missing():
    """Why the browser tests cannot run here, or None."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    fields.editor_assets_installed.cache_clear()
    if not fields.editor_assets_installed():
        return "the editor's browser libraries are not installed (make assets)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = missing()
    if reason:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Console:
    """The errors a page reported: console errors and uncaught exceptions."""

    def __init__(self, page):
        self.errors = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message):
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        if url.endswith("/favicon.ico"):  # the admin has no icon; not a script error
            return
        self.errors.append(f"{message.text} ({url})")


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(USERNAME, "op@example.com", PASSWORD)


@pytest.fixture
def page(browser, live_server, operator, request):
    """A logged-in admin page; its console errors are in ``page.console.errors``."""
    failure = ARTIFACTS / f"{request.node.name}-failure.png"
    failure.unlink(missing_ok=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, base_url=live_server.url, accept_downloads=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.console = Console(page)
    page.goto("/admin/login/")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        page.screenshot(path=str(failure), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def shot():
    """``shot(page, "name")`` keeps a full-page screenshot in artifacts/browser/."""

    def take(page, name, *, full_page=True):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
