"""The admin's Content-Security-Policy: what the pages need is in static files.

The browser tests (tests/browser/test_xss_payloads.py) open every page under the policy
and fail on any violation; these checks catch the same mistakes in the sources, before a
page shows them: an inline script, an event handler attribute, an inline style, markup
marked safe.
"""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.test import RequestFactory, override_settings

from django_netjsonconfig import contentpolicy
from django_netjsonconfig.contentpolicy import CSPMiddleware, admin_policy

PACKAGE = Path(contentpolicy.__file__).resolve().parent
TEMPLATES = sorted((PACKAGE / "templates").rglob("*.html"))

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.I)
UNESCAPED = re.compile(r"\|\s*safe\b|{%\s*autoescape\s+off|\bjavascript:", re.I)


def test_the_templates_are_found():
    assert len(TEMPLATES) >= 10


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_template_needs_inline_script_or_style(path):
    text = path.read_text()
    for name, pattern in (
        ("inline <script>", INLINE_SCRIPT),
        ("event handler attribute", HANDLER),
        ("style attribute", STYLE_ATTRIBUTE),
        ("<style> element", STYLE_ELEMENT),
        ("unescaped output", UNESCAPED),
    ):
        found = pattern.search(text)
        assert found is None, f"{name} in {path.name}: {found.group(0)!r}"


def test_no_python_code_marks_strings_safe():
    """Markup is built with format_html (which escapes its arguments) or templates."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        if re.search(r"\bmark_safe\b|\bSafeString\b|\bSafeText\b|\.__html__\b", text):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_the_policy_forbids_inline_script_eval_and_style():
    policy = admin_policy()
    directives = policy["DIRECTIVES"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)
    assert policy["EXCLUDE_URL_PREFIXES"] == ["/controller/"]


def test_the_policy_takes_a_report_uri_and_a_site_s_own_sources():
    policy = admin_policy(
        exclude=["/devices/controller/"],
        report_uri="/csp-reports/",
        extra={"img-src": ["'self'", "data:", "https://cdn.example.org"]},
    )
    assert policy["EXCLUDE_URL_PREFIXES"] == ["/devices/controller/"]
    assert policy["DIRECTIVES"]["report-uri"] == ["/csp-reports/"]
    assert policy["DIRECTIVES"]["img-src"] == ["'self'", "data:", "https://cdn.example.org"]
    assert policy["DIRECTIVES"]["script-src"] == ["'self'"]
    # the admin's own directives are not changed by a site's additions
    assert admin_policy()["DIRECTIVES"]["img-src"] == ["'self'", "data:"]


def _response(path, policy):
    from django.http import HttpResponse

    with override_settings(CONTENT_SECURITY_POLICY=policy):
        middleware = CSPMiddleware(lambda request: HttpResponse("ok"))
        request = RequestFactory().get(path)
        return request, middleware(request)


def test_the_middleware_sets_django_csp_s_header_on_pages():
    request, response = _response("/admin/", admin_policy())
    header = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in header and "style-src 'self'" in header
    assert hasattr(request, "csp_nonce")


def test_the_middleware_leaves_the_device_endpoints_alone():
    request, response = _response("/controller/checksum/x/", admin_policy())
    assert "Content-Security-Policy" not in response.headers
    assert not hasattr(request, "csp_nonce")
    # without exclusions every path gets the policy
    _request, response = _response("/controller/checksum/x/", admin_policy(exclude=()))
    assert "Content-Security-Policy" in response.headers


def test_the_middleware_works_under_asgi_too():
    from django.http import HttpResponse

    async def view(request):
        return HttpResponse("ok")

    def run(request):
        # in a thread of its own: the browser tests leave an event loop in this one
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, middleware(request)).result()

    with override_settings(CONTENT_SECURITY_POLICY=admin_policy()):
        middleware = CSPMiddleware(view)
        page = run(RequestFactory().get("/admin/"))
        poll = run(RequestFactory().get("/controller/checksum/x/"))
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "Content-Security-Policy" not in poll.headers
