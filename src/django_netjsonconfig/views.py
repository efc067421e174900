"""Views for operators (not devices)."""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .services.rendering import backend_class
from .settings import app_settings


@require_GET
@staff_member_required
def schema(request):
    """The JSON schema of every configured backend, keyed by backend path."""
    out = {}
    for path, _label in app_settings.BACKENDS:
        out[path] = backend_class(path).schema
    return JsonResponse(out)
