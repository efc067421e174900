"""Preview and download views shared by the admin classes, and small helpers."""

import re

from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from ...services.rendering import RenderError

FILES_MARKER = "# ---------- files ---------- #"


def split_files(text):
    """``[(file name, contents)]`` of a native configuration text.

    OpenWrt-like output has ``package <name>`` sections (``/etc/config/<name>``)
    then, after a marker, ``# path: ...`` files. Text in any other shape is one
    block.
    """
    files, name, lines, in_files = [], None, [], False

    def flush():
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


def error_messages(form):
    """The errors of a form as ``"label: message"`` lines."""
    out = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for message in errors:
            out.append(f"{label}: {message}" if label else message)
    return out


def safe_filename(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "-", str(name)).strip("-") or "configuration"


def archive_response(filename, archive):
    response = HttpResponse(archive, content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{safe_filename(filename)}.tar.gz"'
    return response


def ordered_fields(fields, preferred, obj=None, *, timestamps=("created", "modified")):
    """``fields`` with the ``preferred`` names first (in that order), the others after
    (an extending app's own fields included); no timestamps on an add page (``obj`` None)."""
    fields = [f for f in fields if obj is not None or f not in timestamps]
    first = [f for f in preferred if f in fields]
    return first + [f for f in fields if f not in first]


class SortedTemplatesMixin:
    """The ordered templates widget without the admin's "add another" link, whose
    popup cannot add a checkbox to sortedm2m's list."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "templates" and isinstance(
            getattr(formfield, "widget", None), RelatedFieldWidgetWrapper
        ):
            formfield.widget = formfield.widget.widget
        return formfield


class PreviewDownloadMixin:
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

    def _url_name(self, view):
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self):
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

    def _reverse(self, view, *args):
        return reverse(f"{self.admin_site.name}:{self._url_name(view)}", args=args)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and not add:
            context["netjsonconfig_preview_url"] = self._reverse("preview", obj.pk)
            context["netjsonconfig_download_url"] = self._reverse("download", obj.pk)
        else:
            context["netjsonconfig_preview_url"] = self._reverse("preview_new")
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _get_or_404(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(_("Not found."))
        return obj

    def preview_view(self, request, object_id=None):
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

    def download_view(self, request, object_id):
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

    def get_preview_form(self, request, obj):
        raise NotImplementedError

    def get_download(self, request, obj):
        raise NotImplementedError
