"""Helpers of the REST API's tests: users by role, clients with a Bearer token."""

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.test import APIClient

from django_netjsonconfig.apps import get_model

API = "/api/v1/"
ROLES = ("anonymous", "none", "view", "change")
#: the models of the API's endpoints (the permissions a role gets on each)
MODELS = ("device", "config", "template", "devicegroup", "vpn", "ca", "cert")
PASSWORD = "a-long-test-password"


@pytest.fixture(autouse=True)
def _no_token_throttle_history() -> None:
    """The token endpoint's rate limit counts in the cache: each test starts afresh."""
    cache.clear()


def make_user(role: str, name: str | None = None) -> Any:
    """A user who may do nothing (``none``), view, or view, add, change and delete
    (``change``) the API's models; not staff (the API does not ask for it)."""
    user = get_user_model().objects.create_user(name or f"api-{role}", password=PASSWORD)
    actions = {"none": (), "view": ("view",), "change": ("view", "add", "change", "delete")}
    codenames = [
        f"{action}_{get_model(kind)._meta.model_name}"
        for kind in MODELS
        for action in actions[role]
    ]
    labels = {get_model(kind)._meta.app_label for kind in MODELS}
    user.user_permissions.set(
        Permission.objects.filter(codename__in=codenames, content_type__app_label__in=labels)
    )
    return user


def token_for(user: Any) -> str:
    response = APIClient().post(
        f"{API}users/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200, response.content
    return str(response.json()["token"])


def client_for(role: str) -> APIClient:
    """A client of ``role`` authenticated with a Bearer token (anonymous: none)."""
    client = APIClient()
    if role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(make_user(role))}")
    return client


@pytest.fixture
def clients(db: Any) -> dict[str, APIClient]:
    return {role: client_for(role) for role in ROLES}


def api_url(path: str) -> str:
    return API + path.lstrip("/")


def body_for(kind: str, **fields: Any) -> dict[str, Any]:
    """A request body for a new object of ``kind``: ``fields``, plus the organization
    the sample extension's models require (its id, as a client sends it)."""
    model = get_model(kind)
    if "organization" in {f.name for f in model._meta.get_fields()}:
        organization_model = model._meta.get_field("organization").related_model
        organization, _ = organization_model.objects.get_or_create(name="default")
        fields.setdefault("organization", str(organization.pk))
    return fields
