"""Admin of certificate authorities and certificates.

A private key is shown, and downloadable, only to staff allowed to *change* the
object; a user who may only view it sees neither the field nor the download link
(the download answers 403). The certificate itself and the CA's CRL are public
material.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ...pki import certificates as pki
from ...pki.signing import check_validity
from .device import AdminMedia
from .forms import BaseForm
from .mixins import SecretFieldsMixin, safe_filename

if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin[Any]
else:
    _AdminBase = object

SUBJECT_FIELDS = (
    "common_name",
    "country_code",
    "state",
    "city",
    "organization_name",
    "organizational_unit_name",
    "email",
)
ISSUED_FIELDS = (
    "key_length",
    "digest",
    "validity_start",
    "validity_end",
    *SUBJECT_FIELDS,
    "extensions",
)


class AbstractX509Form(BaseForm):
    """A new CA or certificate: generated from its fields, or imported when a certificate
    and its private key are pasted (both checked here, with clear errors)."""

    class Meta(BaseForm.Meta):
        widgets = {
            "certificate": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
            "private_key": forms.Textarea(attrs={"rows": 8, "class": "vLargeTextField"}),
        }

    def validate_instance(self, instance: Any) -> None:
        if not instance._state.adding:
            return
        certificate = (instance.certificate or "").strip()
        key = (instance.private_key or "").strip()
        if certificate or key:
            if not (certificate and key):
                raise ValidationError(
                    gettext("To import, give both the certificate and its private key.")
                )
            ca = getattr(instance, "ca", None) if _is_cert(instance) else None
            if _is_cert(instance) and ca is None:
                return  # the CA field reports it
            pki.import_existing(instance, ca)
        elif not instance.common_name:
            raise ValidationError({"common_name": gettext("Needed to generate it.")})
        else:
            check_validity(instance)


def _is_cert(obj: Any) -> bool:
    return any(f.name == "ca" for f in obj._meta.concrete_fields)


class X509AdminMixin(SecretFieldsMixin, _AdminBase):
    form = AbstractX509Form
    search_fields = ("name", "common_name", "serial_number")
    Media = AdminMedia

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            readonly += [*ISSUED_FIELDS, "serial_number", "certificate", "private_key"]
            readonly += ["downloads"]
        return readonly

    def get_exclude(self, request: HttpRequest, obj: Any = None) -> list[str]:
        exclude = list(super().get_exclude(request, obj) or [])
        if obj is None:
            exclude += ["serial_number"]
        return exclude

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/certificate.pem",
                wrap(self.certificate_view),
                name=f"{name}_certificate",
            ),
            path(
                "<path:object_id>/private-key.pem",
                wrap(self.private_key_view),
                name=f"{name}_private_key",
            ),
        ] + super().get_urls()

    def _url(self, view: str, obj: Any) -> str:
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk]
        )

    def _object(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(gettext("Not found."))
        return obj

    def _pem(self, obj: Any, text: str, suffix: str) -> HttpResponse:
        response = HttpResponse(text, content_type="application/x-pem-file")
        filename = f"{safe_filename(obj.common_name or obj.name)}{suffix}.pem"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def certificate_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._object(request, object_id)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return self._pem(obj, obj.certificate, "")

    def private_key_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._object(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return self._pem(obj, obj.private_key, ".key")

    @admin.display(description=_("downloads"))
    def downloads(self, obj: Any) -> str:
        request = getattr(self, "_request", None)
        links: list[str] = [
            format_html('<a href="{}">{}</a>', self._url("certificate", obj), "certificate")
        ]
        if request is not None and self.has_change_permission(request, obj):
            links.append(
                format_html('<a href="{}">{}</a>', self._url("private_key", obj), "private key")
            )
        crl = self.crl_link(obj)
        if crl:
            links.append(crl)
        return format_html(" · ".join(["{}"] * len(links)), *links)

    def crl_link(self, obj: Any) -> str | None:
        return None

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._request = request
        return super().changeform_view(request, object_id, form_url, extra_context)


class AbstractCaAdmin(X509AdminMixin, admin.ModelAdmin):
    """Certificate authorities: generate or import; renew; their CRL."""

    list_display = ("name", "common_name", "serial_number", "validity_end", "crl", "created")
    actions = ["renew_selected"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pki.save_ca(obj)

    def crl_link(self, obj: Any) -> str | None:
        return format_html('<a href="{}">CRL</a>', reverse("netjsonconfig:crl", args=[obj.pk]))

    @admin.display(description=_("CRL"))
    def crl(self, obj: Any) -> str | None:
        return self.crl_link(obj) if obj.certificate else "-"

    @admin.action(description=_("Renew selected certificate authorities"), permissions=["change"])
    def renew_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for ca in queryset:
            pki.renew_ca(ca)
        self.message_user(
            request,
            gettext("Renewed %(count)d: their certificates stay valid.") % {"count": len(queryset)},
            messages.SUCCESS,
        )


class AbstractCertAdmin(X509AdminMixin, admin.ModelAdmin):
    """Certificates: generate (signed by their CA) or import; renew; revoke."""

    list_display = ("name", "common_name", "ca", "serial_number", "revoked", "validity_end")
    list_filter = ("revoked", "ca")
    list_select_related = ("ca",)
    actions = ["renew_selected", "revoke_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        readonly = list(super().get_readonly_fields(request, obj))
        readonly += ["revoked", "revoked_at"]
        if obj is not None:
            readonly.append("ca")
        return readonly

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pki.save_cert(obj)

    @admin.action(description=_("Renew selected certificates"), permissions=["change"])
    def renew_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        renewed, refused = 0, []
        for cert in queryset.select_related("ca"):
            try:
                pki.renew_cert(cert)
                renewed += 1
            except ValidationError:
                refused.append(cert.name)
        self.message_user(request, gettext("Renewed %(count)d.") % {"count": renewed})
        if refused:
            self.message_user(
                request,
                gettext("Revoked, not renewed: %(names)s") % {"names": ", ".join(refused)},
                messages.WARNING,
            )

    @admin.action(description=_("Revoke selected certificates"), permissions=["change"])
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        count = sum(pki.revoke(cert) for cert in queryset)
        self.message_user(
            request, gettext("Revoked %(count)d: they are in their CA's CRL.") % {"count": count}
        )
