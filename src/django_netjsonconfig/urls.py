"""Common URLs (namespace ``netjsonconfig``), used by the admin."""

from django.urls import path

from . import views

app_name = "netjsonconfig"
urlpatterns = [
    path("netjsonconfig/schema.json", views.schema, name="schema"),
    path("netjsonconfig/ca/<str:pk>.crl", views.crl, name="crl"),
]
