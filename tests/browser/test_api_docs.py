"""The REST API's Swagger UI page in Chromium, under the admin's Content-Security-Policy:
it draws the operations and reports no violation (no inline script or style)."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_swagger_ui_works_under_the_content_security_policy(page, shot):
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto("/api/v1/docs/")
    page.locator(".opblock-tag").first.wait_for()
    tags = page.locator(".opblock-tag").all_inner_texts()
    assert any("controller" in tag for tag in tags)
    # an operation opens, and "Try it out" runs with the session (a GET of the devices)
    page.locator(".opblock-summary-path", has_text="/api/v1/controller/device/").first.click()
    page.locator("button.try-out__btn").first.click()
    page.locator("button.execute").first.click()
    page.locator(".live-responses-table tbody .response-col_status").first.wait_for()
    status = page.locator(".live-responses-table tbody .response-col_status").first.inner_text()
    assert status.strip() == "200"
    shot(page, "api-docs")
    assert violations == []
    assert page.console.errors == []
