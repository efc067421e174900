"""The OpenAPI 3 schema (``schema/``) and Swagger UI (``docs/``).

Swagger UI's files are drf-spectacular-sidecar's, served by the site (never a CDN).
The page runs under the admin's Content-Security-Policy unchanged: its start-up script
is a separate response (drf-spectacular's split view) and its style a static file,
so it needs no inline script or style.
"""

from typing import Any

from django.templatetags.static import static
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .generics import APIMixin

SIDECAR = "drf_spectacular_sidecar/swagger-ui-dist"


class SchemaView(APIMixin, SpectacularAPIView):
    """The schema: public, as documentation is (it holds no data)."""

    permission_classes: list[type] = []
    renderer_classes = SpectacularAPIView.renderer_classes
    custom_settings = {
        "TITLE": "django-netjsonconfig REST API",
        "DESCRIPTION": "Devices, templates, groups, VPN servers, CAs and certificates.",
        "VERSION": "1",
    }


class DocsView(APIMixin, SpectacularSwaggerSplitView):
    template_name = "django_netjsonconfig/api/swagger_ui.html"
    url_name = "netjsonconfig_api:schema"
    renderer_classes = SpectacularSwaggerSplitView.renderer_classes
    permission_classes: list[type] = []

    @staticmethod
    def _swagger_ui_resource(filename: Any) -> Any:
        return static(f"{SIDECAR}/{filename}")

    @staticmethod
    def _swagger_ui_favicon() -> Any:
        return static(f"{SIDECAR}/favicon-32x32.png")
