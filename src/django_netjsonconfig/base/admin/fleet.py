"""The device list at fleet scale: counts by status, bulk actions and their background
jobs, import and export.

The list costs a fixed number of queries per page whatever the number of
devices: the config and the group come with the device (``list_select_related``),
the heavy columns of the config are not loaded, the total of the unfiltered
list is not counted (``show_full_result_count``), and the counts by status are
one ``GROUP BY``.
"""

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ...fleet import bulk
from ...io import importexport
from ..config import STATUS_CHOICES
from .actions import DEVICE_ACTIONS
from .mixins import _ModelAdmin

if TYPE_CHECKING:
    from django.contrib.admin.filters import _ListFilterChoices
    from django.contrib.admin.views.main import ChangeList

    from ..job import AbstractBulkJob

STATUS_FIELD = "config__status"
STATUS_PARAM = f"{STATUS_FIELD}__exact"
NO_CONFIG_PARAM = f"{STATUS_FIELD}__isnull"
PREVIEW_ROWS = 200  # rows of a dry run shown on the import page


class ConfigStatusListFilter(admin.ChoicesFieldListFilter):
    """The config status filter of the device list, with "no configuration" too."""

    def choices(self, changelist: "ChangeList") -> "Iterator[_ListFilterChoices]":
        no_config = self.lookup_val_isnull in ("True", "1")
        for choice in super().choices(changelist):
            if no_config:
                choice = {**choice, "selected": False}
            yield choice
        yield {
            "selected": no_config,
            "query_string": changelist.get_query_string(
                {self.lookup_kwarg_isnull: "True"}, [self.lookup_kwarg]
            ),
            "display": _("no configuration"),
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        required=False,
        help_text=gettext_lazy("A CSV file with a header line, or a JSON list of objects."),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=(
            ("", gettext_lazy("from the file name")),
            ("csv", "CSV"),
            ("json", "JSON"),
        ),
        required=False,
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check and show what would be imported, write nothing"),
        required=False,
        initial=True,
    )
    # the text of a file checked by a dry run, posted back to import it
    content = forms.CharField(required=False, widget=forms.HiddenInput, strip=False)

    def clean(self) -> dict[str, Any]:
        # Django's Form.clean returns cleaned_data; the stubs say "| None" (an override may)
        cleaned: dict[str, Any] = super().clean()  # type: ignore[assignment]
        upload, content = cleaned.get("file"), cleaned.get("content")
        if upload is None and not content:
            raise forms.ValidationError(_("Choose a file to import."))
        if upload is not None:
            cleaned["content"] = upload.read()
            cleaned["format"] = cleaned.get("format") or importexport.guess_format(upload.name)
        else:
            cleaned["format"] = cleaned.get("format") or "csv"
        return cleaned


class FleetAdminMixin(_ModelAdmin):
    """Added to the device admin: counts by status above the list, bulk actions that
    run in the background over many devices, import and export buttons."""

    change_list_template = "admin/django_netjsonconfig/device/change_list.html"
    bulk_job_template: str = "admin/django_netjsonconfig/bulk_job.html"
    import_template: str = "admin/django_netjsonconfig/import.html"
    show_full_result_count = False
    actions = DEVICE_ACTIONS
    #: config columns the list never shows: not loaded with the page
    list_deferred_fields: tuple[str, ...] = ("config__config", "config__context", "config__archive")

    # --- urls ----------------------------------------------------------------------------------
    def _fleet_url_name(self, view: str) -> str:
        return f"{self.opts.app_label}_{self.opts.model_name}_{view}"

    def _fleet_reverse(self, view: str, *args: Any) -> str:
        return reverse(f"{self.admin_site.name}:{self._fleet_url_name(view)}", args=args)

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name=self._fleet_url_name("import")),
            path("export/<str:fmt>/", wrap(self.export_view), name=self._fleet_url_name("export")),
            path(
                "bulk-jobs/<uuid:job_id>/",
                wrap(self.bulk_job_view),
                name=self._fleet_url_name("bulkjob"),
            ),
            path(
                "bulk-jobs/<uuid:job_id>/status/",
                wrap(self.bulk_job_status_view),
                name=self._fleet_url_name("bulkjob_status"),
            ),
        ] + super().get_urls()

    def bulk_job_url(self, job: "AbstractBulkJob") -> str:
        return self._fleet_reverse("bulkjob", job.pk)

    # --- the list ------------------------------------------------------------------------------
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> "type[ChangeList]":
        base = super().get_changelist(request, **kwargs)
        deferred = self.list_deferred_fields

        # a subclass of the class the admin chose at run time, which mypy cannot check
        class FleetChangeList(base):  # type: ignore[valid-type,misc]
            def get_queryset(
                self, request: HttpRequest, exclude_parameters: list[str | None] | None = None
            ) -> QuerySet[Any]:
                queryset = super().get_queryset(request, exclude_parameters)
                return queryset.defer(*deferred) if deferred else queryset

        return FleetChangeList

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if not context or "cl" not in context:
            return response
        cl = context["cl"]
        context["netjsonconfig_status_counts"] = self.status_counts(request, cl)
        context["netjsonconfig_change_list_base"] = (
            "reversion/change_list.html"
            if hasattr(self, "recoverlist_view")
            else "admin/change_list.html"
        )
        query = cl.get_query_string(remove=["p", "e"])
        if self.has_view_or_change_permission(request):
            context["netjsonconfig_export_urls"] = [
                (label, self._fleet_reverse("export", fmt) + query)
                for fmt, label in (("csv", _("Export CSV")), ("json", _("Export JSON")))
            ]
        if self.has_add_permission(request):
            context["netjsonconfig_import_url"] = self._fleet_reverse("import")
        return response

    def status_counts(self, request: HttpRequest, cl: "ChangeList") -> list[dict[str, Any]]:
        """``[{label, count, url, active}]`` of the list by config status, in one
        ``GROUP BY`` (over the list as filtered, but for the status filter itself)."""
        spec = next(
            (s for s in cl.filter_specs if getattr(s, "field_path", None) == STATUS_FIELD), None
        )
        if spec is not None and (STATUS_PARAM in request.GET or NO_CONFIG_PARAM in request.GET):
            queryset = cl.get_queryset(request, exclude_parameters=spec.expected_parameters())
        else:
            queryset = cl.queryset
        counts = dict(
            queryset.order_by()
            .values_list("config__status")
            .annotate(count=Count("pk", distinct=True))
        )
        remove = ["p", STATUS_PARAM, NO_CONFIG_PARAM]
        items = [
            {
                "status": status,
                "label": label,
                "count": counts.get(status, 0),
                "url": cl.get_query_string({STATUS_PARAM: status}, remove=remove),
                "active": request.GET.get(STATUS_PARAM) == status,
            }
            for status, label in STATUS_CHOICES
        ]
        if counts.get(None):
            items.append(
                {
                    "status": "none",
                    "label": _("no configuration"),
                    "count": counts[None],
                    "url": cl.get_query_string({NO_CONFIG_PARAM: "True"}, remove=remove),
                    "active": NO_CONFIG_PARAM in request.GET,
                }
            )
        return items

    # --- bulk jobs -----------------------------------------------------------------------------
    def _get_job(self, request: HttpRequest, job_id: UUID) -> "AbstractBulkJob":
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        model = bulk.job_model()
        job = model.objects.filter(pk=job_id).first() if model is not None else None
        if job is None:
            raise Http404(_("There is no such job."))
        return job

    def bulk_job_view(self, request: HttpRequest, job_id: UUID) -> TemplateResponse:
        job = self._get_job(request, job_id)
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(action)s: progress") % {"action": bulk.action_label(job.action)},
            "opts": self.opts,
            "job": job,
            "status_url": self._fleet_reverse("bulkjob_status", job.pk),
            "changelist_url": self._fleet_reverse("changelist"),
        }
        results = getattr(self, "job_results", None)
        if results is not None:
            context["results"] = results(job)
        return TemplateResponse(request, self.bulk_job_template, context)

    def bulk_job_status_view(self, request: HttpRequest, job_id: UUID) -> JsonResponse:
        job = self._get_job(request, job_id)
        return JsonResponse(
            {
                "id": str(job.pk),
                "action": job.action,
                "status": job.status,
                "status_display": job.get_status_display(),
                "done": job.done,
                "total": job.total,
                "percent": job.percent,
                "message": job.message,
                "finished": job.status in ("done", "failed"),
            }
        )

    # --- export --------------------------------------------------------------------------------
    def export_view(self, request: HttpRequest, fmt: str) -> HttpResponseBase:
        """The devices of the list as it is filtered and searched, as CSV or JSON."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if fmt not in importexport.FORMATS:
            raise Http404(_("Unknown export format."))
        try:
            cl = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(self._fleet_reverse("changelist") + "?e=1")
        return self.export_response(cl.get_queryset(request), fmt)

    def export_response(self, queryset: QuerySet[Any], fmt: str) -> StreamingHttpResponse:
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        if fmt == "json":
            content, content_type = importexport.export_json(queryset), "application/json"
        else:
            content, content_type = importexport.export_csv(queryset), "text/csv; charset=utf-8"
        response = StreamingHttpResponse(content, content_type=content_type)
        filename = f"{self.opts.model_name}s-{stamp}.{fmt}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    # --- import --------------------------------------------------------------------------------
    def get_import_defaults(self, request: HttpRequest) -> dict[str, Any]:
        """Values for every imported device, besides the file's (an extending app's
        required fields, e.g. the organization). None by default."""
        return {}

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        posted = request.method == "POST"
        form = ImportForm(request.POST, request.FILES) if posted else ImportForm()
        result = None
        confirm = None
        if posted and form.is_valid():
            data = form.cleaned_data
            result = importexport.import_devices(
                data["content"],
                data["format"],
                dry_run=data["dry_run"],
                defaults=self.get_import_defaults(request),
                user=request.user,
            )
            if result.ok and not result.dry_run:
                self.message_user(request, result.message, messages.SUCCESS)
                return redirect(self._fleet_reverse("changelist"))
            if result.ok:
                confirm = self._confirm_form(data)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import %(name)s") % {"name": self.opts.verbose_name_plural},
            "opts": self.opts,
            "form": form,
            "result": result,
            "preview": result.preview[:PREVIEW_ROWS] if result else [],
            "preview_more": max(0, len(result.preview) - PREVIEW_ROWS) if result else 0,
            "confirm": confirm,
            "columns": importexport.columns(),
            "changelist_url": self._fleet_reverse("changelist"),
        }
        return TemplateResponse(request, self.import_template, context)

    def _confirm_form(self, data: Mapping[str, Any]) -> ImportForm | None:
        """The form that imports the file a dry run accepted, or None if the text is too
        large to post back (the operator then uploads it again without dry run)."""
        content = data["content"]
        if isinstance(content, bytes):
            try:
                content = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                return None
        limit = getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None)
        if limit is not None and len(content.encode()) > limit * 0.9:
            return None
        return ImportForm(initial={"content": content, "format": data["format"], "dry_run": False})
