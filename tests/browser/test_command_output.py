"""The "send a command" page and a command's live output in Chromium: what a device
prints (markup, script) is shown as text as it arrives, no script from data runs, and
the pages keep the Content-Security-Policy (no violation, no console error)."""

import pytest

from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from ..connection_helpers import connected_device, credentials
from .test_xss_payloads import INIT_SCRIPT

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "<img src=x onerror=xss(1)><script>xss(2)</script>"
LATER = '"><svg onload=xss(3)></pre><script>xss(4)</script>'


def _clean(page):
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__cspViolations") == []
    assert page.console.errors == []


def test_the_output_arrives_as_text(page, shot):
    page.context.add_init_script(INIT_SCRIPT)
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    device = connected_device(credentials(username="root", password="browser-pass")).device
    model = get_model("command")
    # created in bulk: no task runs it (this test plays the device's part)
    (command,) = model.objects.bulk_create(
        [model(device=device, type="custom", input={"command": FIRST}, output=FIRST)]
    )
    page.goto(admin_url("device", "commands", device.pk) + "?type=change_password")
    assert page.locator("input[name=password][type=password]").count() == 1
    assert page.locator(".netjsonconfig-command-history").inner_text().count("xss(1)") == 1
    _clean(page)
    shot(page, "commands-history")
    page.goto(admin_url("device", "command", device.pk, command.pk))
    output = page.locator(".netjsonconfig-command-output")
    assert output.inner_text() == FIRST
    model.objects.filter(pk=command.pk).update(
        output=FIRST + "\n" + LATER, status="success", exit_code=0
    )
    page.wait_for_function(
        "() => document.querySelector('.netjsonconfig-command-status').dataset.status === 'success'"
    )
    assert output.inner_text() == FIRST + "\n" + LATER
    assert page.locator(".netjsonconfig-command-exit-code").inner_text() == "0"
    assert page.locator(".netjsonconfig-command-output *").count() == 0  # text, no element
    _clean(page)
    shot(page, "command-output")
