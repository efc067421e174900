"""Who may do what: Django's model permissions, as in the admin.

``view`` to read (``GET``, ``HEAD``, ``OPTIONS``), ``add``, ``change`` and ``delete`` to
write. What the admin shows only to users who may *change* an object (the device's key,
the private keys of VPN servers, CAs and certificates, rendered archives) the API
serves only to them too (:func:`may_change`); the downloads of rendered
configurations need the change permission (they hold private keys).
"""

from typing import Any

from django.db.models import Model
from rest_framework.permissions import DjangoModelPermissions
from rest_framework.request import Request

VIEW = ["%(app_label)s.view_%(model_name)s"]


class ModelPermissions(DjangoModelPermissions):
    """Django's model permissions, ``view`` included; anonymous users get 401."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": VIEW,
        "HEAD": VIEW,
        "OPTIONS": VIEW,
    }


class ChangePermission(DjangoModelPermissions):
    """An action that changes the object whatever its method (renew, revoke, bulk), or
    serves its secrets (a rendered configuration): the ``change`` permission."""

    def get_required_permissions(self, method: str, model_cls: type[Model]) -> list[str]:
        return perm_names("change", model_cls)


def perm_names(action: str, model: type[Model]) -> list[str]:
    opts = model._meta
    return [f"{opts.app_label}.{action}_{opts.model_name}"]


def may_change(request: Request | None, model: type[Model]) -> bool:
    """Whether the user of ``request`` may change objects of ``model`` (and so see their
    secrets)."""
    if request is None:
        return False
    user: Any = request.user
    return bool(user and user.is_authenticated and user.has_perms(perm_names("change", model)))
