"""Preview and download views shared by the admin classes, and small helpers."""

import re
from collections.abc import Container, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django import forms
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Field, Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from ...rendering.render import RenderError
from ..config import AbstractConfig
from ..device import AbstractDevice
from ..pki import BaseX509
from ..vpn import AbstractVpn, AbstractVpnClient

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin
    from django.contrib.admin.options import BaseModelAdmin, _FieldsetSpec
    from django.utils.functional import _StrOrPromise

    from .forms import BaseForm

    #: an error of a form, as its ``errors`` hold it
    _ErrorMessage = _StrOrPromise | ValidationError

    # what the mixins are mixed into: any admin class (fields and lookups), or a ModelAdmin
    _AnyAdmin = BaseModelAdmin[Any]
    _ModelAdmin = ModelAdmin[Any]
else:
    _AnyAdmin = _ModelAdmin = object

_T = TypeVar("_T")

FILES_MARKER = "# ---------- files ---------- #"


def split_files(text: str) -> list[tuple[str, str]]:
    """``[(file name, contents)]`` of a native configuration text.

    OpenWrt-like output has ``package <name>`` sections (``/etc/config/<name>``)
    then, after a marker, ``# path: ...`` files. Text in any other shape is one
    block.
    """
    files: list[tuple[str, str]]
    name: str | None
    lines: list[str]
    files, name, lines, in_files = [], None, [], False

    def flush() -> None:
        body = "\n".join(lines).strip("\n")
        if name is not None or body:
            files.append((name or _("configuration"), body + "\n" if body else ""))

    for line in text.splitlines():
        if line.strip() == FILES_MARKER:
            flush()
            name, lines, in_files = None, [], True
        elif not in_files and line.startswith("package "):
            flush()
            name, lines = f"/etc/config/{line[len('package ') :].strip()}", []
        elif in_files and line.startswith("# path: "):
            flush()
            name, lines = line[len("# path: ") :].strip(), []
        elif in_files and line.startswith("# mode: ") and not any(lines):
            name = f"{name} ({line[2:].strip()})"
        else:
            lines.append(line)
    flush()
    return files


def secret_fields(model: type[Model]) -> tuple[str, ...]:
    """The fields of ``model`` that authenticate or decrypt: a device's key (it downloads
    its configuration with it), a VPN server's key and private key, the private keys of
    CAs, certificates and VPN clients, and the rendered archives (they hold private
    keys). Shown only to users who may change the object, never on a page of an old
    version, never in a list, a filter or an export."""

    names: tuple[str, ...] = ()
    if issubclass(model, AbstractDevice):
        names = ("key",)
    elif issubclass(model, AbstractVpn):
        names = ("key", "private_key", "archive")
    elif issubclass(model, (AbstractVpnClient, BaseX509)):
        names = ("private_key",)
    elif issubclass(model, AbstractConfig):
        names = ("archive",)
    return names


def _lookup_touches_secret(model: type[Model], lookup: str) -> bool:
    """Whether a list filter lookup (``key__startswith``, ``device__key``) reads a secret
    field of ``model`` or of a model it goes through."""
    for part in lookup.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if field.name in secret_fields(model):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        model = field.related_model
    return False


def _without(fields: Iterable[Any], hidden: Container[str]) -> list[Any]:
    """``fields`` of a fieldset (names, or tuples of names on one line) but ``hidden``."""
    out = []
    for item in fields:
        if isinstance(item, (list, tuple)):
            item = type(item)(name for name in item if name not in hidden)
            if item:
                out.append(item)
        elif item not in hidden:
            out.append(item)
    return out


class SecretFieldsMixin(_AnyAdmin):
    """The secret fields of the model (``secret_fields``, by default those of
    :func:`secret_fields`) are shown only to users who may change the object, and to
    nobody on the page of an old version (django-reversion's revision and recover
    views); the list refuses filters on them (a filter is an oracle: ``?key__startswith=``
    would tell a key character by character)."""

    #: the secret fields of the model; None: those :func:`secret_fields` names
    secret_fields: Sequence[str] | None = None

    def get_secret_fields(self) -> tuple[str, ...]:
        if self.secret_fields is not None:
            return tuple(self.secret_fields)
        return secret_fields(self.model)

    def viewing_a_version(self, request: HttpRequest) -> bool:
        """Whether ``request`` shows an old version (revision or recover view)."""
        match = getattr(request, "resolver_match", None)
        name = getattr(match, "url_name", None) or ""
        opts = self.opts
        return name in (
            f"{opts.app_label}_{opts.model_name}_revision",
            f"{opts.app_label}_{opts.model_name}_recover",
        )

    def may_see_secrets(self, request: HttpRequest, obj: Model | None = None) -> bool:
        """Whether the secrets of ``obj`` (None: a new object) may be shown."""
        if self.viewing_a_version(request):
            return False
        if obj is None:
            return self.has_add_permission(request)
        return self.has_change_permission(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> "_FieldsetSpec":
        fieldsets = super().get_fieldsets(request, obj)
        if self.may_see_secrets(request, obj):
            return fieldsets
        hidden = set(self.get_secret_fields())
        return [
            (name, {**options, "fields": _without(options.get("fields", ()), hidden)})
            for name, options in fieldsets
        ]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        if lookup.split("__", 1)[0] in self.get_secret_fields():
            return False
        if _lookup_touches_secret(self.model, lookup):
            return False
        # django-stubs want a request here; this override keeps the argument optional
        return super().lookup_allowed(lookup, value, request)  # type: ignore[arg-type]


def error_messages(form: forms.BaseForm) -> "list[_ErrorMessage]":
    """The errors of a form as ``"label: message"`` lines."""
    out: list[_ErrorMessage] = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for message in errors:
            out.append(f"{label}: {message}" if label else message)
    return out


def safe_filename(name: object) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-") or "configuration"


def archive_response(filename: object, archive: bytes) -> HttpResponse:
    response = HttpResponse(archive, content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}.tar.gz"'
    return response


def ordered_fields(
    fields: Iterable[_T],
    preferred: Iterable[_T],
    obj: Model | None = None,
    *,
    timestamps: Container[object] = ("created", "modified"),
) -> list[_T]:
    """``fields`` with the ``preferred`` names first (in that order), the others after
    (an extending app's own fields included); no timestamps on an add page (``obj`` None)."""
    fields = [f for f in fields if obj is not None or f not in timestamps]
    first = [f for f in preferred if f in fields]
    return first + [f for f in fields if f not in first]


class SortedTemplatesMixin(_AnyAdmin):
    """The ordered templates widget without the admin's "add another" link, whose
    popup cannot add a checkbox to sortedm2m's list."""

    def formfield_for_dbfield(
        self, db_field: "Field[Any, Any]", request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "templates" and isinstance(
            getattr(formfield, "widget", None), RelatedFieldWidgetWrapper
        ):
            # not None, and a wrapper: the getattr above says so, which mypy cannot follow
            formfield.widget = formfield.widget.widget  # type: ignore[union-attr]
        return formfield


class PreviewDownloadMixin(_ModelAdmin):
    """``add/preview/``, ``<pk>/preview/`` (POST the change form) and ``<pk>/download/``.

    A preview renders the posted form, saved or not, file by file; with ``?download=1``
    it answers the tar.gz of that data instead. Subclasses implement
    ``get_preview_form(request, obj)`` (a bound form with ``preview()`` and
    ``preview_archive()`` methods, or None) and ``get_download(request, obj)`` (a
    ``(filename, archive bytes)`` pair, raising ``RenderError`` or ``Http404``).
    """

    preview_template = "admin/django_netjsonconfig/preview.html"
    change_form_template = [
        "admin/django_netjsonconfig/change_form.html",
        "admin/change_form.html",
    ]

    def _url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("add/preview/", wrap(self.preview_view), name=self._url_name("preview_new")),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name=self._url_name("preview"),
            ),
            path(
                "<path:object_id>/download/",
                wrap(self.download_view),
                name=self._url_name("download"),
            ),
        ] + super().get_urls()

    def _reverse(self, view: str, *args: Any) -> str:
        return reverse(f"{self.admin_site.name}:{self._url_name(view)}", args=args)

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Model | None = None,
    ) -> HttpResponse:
        # the buttons only for those the views serve (a rendered configuration holds
        # private keys: preview and download need the change permission)
        if obj is not None and obj.pk and not add:
            if self.has_change_permission(request, obj):
                context["netjsonconfig_preview_url"] = self._reverse("preview", obj.pk)
                context["netjsonconfig_download_url"] = self._reverse("download", obj.pk)
        elif self.has_add_permission(request):
            context["netjsonconfig_preview_url"] = self._reverse("preview_new")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _get_or_404(self, request: HttpRequest, object_id: str) -> Any:
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def preview_view(self, request: HttpRequest, object_id: str | None = None) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        obj = self._get_or_404(request, object_id) if object_id else None
        # a rendered configuration holds the device's private keys (VPN clients): only
        # those who may change the object see it
        allowed = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        errors: list[_ErrorMessage]
        files: list[tuple[str, str]]
        errors, files = [], []
        form = self.get_preview_form(request, obj)
        if form is None:
            errors = [_("The submitted data contains no configuration.")]
        elif not form.is_valid():
            errors = error_messages(form) or [_("The submitted data is not valid.")]
        elif request.GET.get("download"):
            # the archive of the unsaved form data, as the device would download it
            try:
                filename, archive = form.preview_archive()
            except RenderError as exc:
                errors = [exc.message]
            else:
                return archive_response(filename, archive)
        else:
            try:
                files = split_files(form.preview())
            except RenderError as exc:
                errors = [exc.message]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Preview of %(name)s") % {"name": obj or _("a new object")},
            "opts": self.opts,
            "original": obj,
            "errors": errors,
            "files": files,
        }
        response = TemplateResponse(request, self.preview_template, context)
        response.status_code = 400 if errors else 200
        return response

    def download_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj = self._get_or_404(request, object_id)
        if not self.has_change_permission(request, obj):  # the archive holds private keys
            raise PermissionDenied
        try:
            filename, archive = self.get_download(request, obj)
        except RenderError as exc:
            self.message_user(
                request, _("Cannot download: %(error)s") % {"error": exc.message}, "error"
            )
            return redirect(self._reverse("change", obj.pk))
        return archive_response(filename, archive)

    def get_preview_form(self, request: HttpRequest, obj: Any) -> "BaseForm | None":
        raise NotImplementedError

    def get_download(self, request: HttpRequest, obj: Any) -> tuple[str, bytes]:
        raise NotImplementedError
