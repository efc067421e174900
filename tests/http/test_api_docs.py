"""The API's OpenAPI schema and Swagger UI page: served by the site (no CDN), under the
admin's Content-Security-Policy with no inline script or style."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.checks import run_checks

from ..api_helpers import _no_token_throttle_history, api_url  # noqa: F401

pytestmark = pytest.mark.django_db


def test_schema_is_openapi_3_with_the_bearer_scheme(client):
    response = client.get(api_url("schema/?format=json"))
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/controller/device/{id}/configuration/" in schema["paths"]


def test_docs_page_needs_no_inline_script_nor_a_cdn(client):
    response = client.get(api_url("docs/"))
    assert response.status_code == 200
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script
    assert "<style" not in html and " style=" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources)  # the site's own files
    for source in sources:
        if source.startswith("/static/"):
            assert finders.find(source.removeprefix("/static/")), source
    script = next(s for s in sources if "script" in s and "?" in s)
    start = client.get(script)
    assert start.status_code == 200
    assert start["Content-Type"].startswith("application/javascript")
    assert b"/api/v1/schema/" in start.content


def test_the_schema_generates_without_warnings():
    """drf-spectacular's system check generates the schema: no warning (``manage.py check
    --deploy --fail-level WARNING`` of a site must pass with the API enabled)."""
    messages = [
        m
        for m in run_checks(include_deployment_checks=True)
        if m.id and m.id.startswith("drf_spectacular")
    ]
    assert messages == []
