from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("django_netjsonconfig.api.urls")),
    path("", include("tests.sample_extension.controller.urls", namespace="controller")),
    path("", include("django_netjsonconfig.urls", namespace="netjsonconfig")),
]
