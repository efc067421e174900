"""Views for operators (not devices)."""

import uuid

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from .apps import get_optional_model
from .pki import certificates as pki
from .rendering.render import backend_class
from .settings import app_settings


@require_GET
@staff_member_required
def schema(request: HttpRequest) -> JsonResponse:
    """The JSON schema of every configured backend, keyed by backend path."""
    out = {}
    for path, _label in app_settings.BACKENDS:
        out[path] = backend_class(path).schema
    return JsonResponse(out)


@require_GET
def crl(request: HttpRequest, pk: str) -> HttpResponse:
    """The certificate revocation list of a CA (PEM). Public, as a CRL is: VPN servers
    fetch it to refuse revoked client certificates."""
    ca_model = get_optional_model("ca")
    try:
        ca_id = uuid.UUID(pk)
    except ValueError:
        raise Http404("no such CA") from None
    ca = ca_model.objects.filter(pk=ca_id).first() if ca_model is not None else None
    if ca is None or not ca.certificate:
        raise Http404("no such CA")
    response = HttpResponse(pki.crl(ca), content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="ca-{ca.pk.hex}.crl"'
    return response
