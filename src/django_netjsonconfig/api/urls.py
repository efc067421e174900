"""The REST API's URLs (namespace ``netjsonconfig_api``); a site mounts them at
``api/v1/``::

    path("api/v1/", include("django_netjsonconfig.api.urls")),

Later parts of the API register their viewsets on :data:`router` (before this module's
``urlpatterns`` are built) or add their own patterns beside these.
"""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import devices, objects, pki
from .auth import ObtainTokenView
from .docs import DocsView, SchemaView

app_name = "netjsonconfig_api"

#: the model endpoints, under ``controller/`` as in OpenWISP Controller's API
router = SimpleRouter()
# before controller/device/{id}/: "bulk" is not an id
router.register("controller/device/bulk", devices.DeviceBulkViewSet, basename="device-bulk")
router.register("controller/device", devices.DeviceViewSet, basename="device")
router.register("controller/job", devices.JobViewSet, basename="job")
router.register("controller/template", objects.TemplateViewSet, basename="template")
router.register("controller/group", objects.DeviceGroupViewSet, basename="group")
router.register("controller/vpn", objects.VpnViewSet, basename="vpn")
router.register("controller/ca", pki.CaViewSet, basename="ca")
router.register("controller/cert", pki.CertViewSet, basename="cert")

urlpatterns = [
    path("users/token/", ObtainTokenView.as_view(), name="token"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    # OpenWISP Controller's path of a CA's CRL has no trailing slash (in the schema
    # once, with it)
    re_path(
        r"^controller/ca/(?P<pk>[0-9a-fA-F-]{1,64})/crl$",
        pki.CaViewSet.as_view({"get": "crl"}, **{**pki.CaViewSet.crl.kwargs, "schema": None}),
        name="ca-crl-no-slash",
    ),
    path("", include(router.urls)),
]
