from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import RedirectView


def healthz(request):
    """Liveness probe; also the empty view the benchmarks compare the endpoints with."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="index"),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # the REST API (docs/api.md)
    path("api/v1/", include("django_netjsonconfig.api.urls")),
    path("", include("django_netjsonconfig.controller.urls", namespace="controller")),
    path("", include("django_netjsonconfig.urls", namespace="netjsonconfig")),
]
