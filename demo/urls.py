from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="index"),
    path("admin/", admin.site.urls),
    path("", include("django_netjsonconfig.controller.urls", namespace="controller")),
    path("", include("django_netjsonconfig.urls", namespace="netjsonconfig")),
]
