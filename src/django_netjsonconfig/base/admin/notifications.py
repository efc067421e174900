"""The admin's pages of a user's own notifications: the list, marking them read, and the
switches of each notification type (in the admin, by e-mail).

Every staff user has these pages, for their own notifications only: another user's
notification is not found (404), whatever the permissions of who asks. The pages live
under the app's URLs (``netjsonconfig:notifications`` ...) and look like the admin.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ...apps import get_optional_model
from ...notifications import notification_types

PER_PAGE = 50


def _model(name: str) -> Any:
    model = get_optional_model(name)
    if model is None:
        raise Http404("notifications are not enabled on this site")
    return model


def _list_url() -> str:
    return reverse("netjsonconfig:notifications")


def _page(request: HttpRequest, title: str, template: str, **context: Any) -> TemplateResponse:
    context = {**admin.site.each_context(request), "title": title, **context}
    return TemplateResponse(request, f"admin/django_netjsonconfig/{template}", context)


@require_GET
@staff_member_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The user's notifications, the newest first (unread ones stand out)."""
    own = _model("notification").objects.filter(recipient=request.user)
    page = Paginator(own.order_by("-updated", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    return _page(
        request,
        _("Notifications"),
        "notifications.html",
        page=page,
        unread=own.filter(unread=True).count(),
    )


@require_POST
@staff_member_required
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read; with ``open``, go to its link."""
    notification = _model("notification").objects.filter(recipient=request.user, pk=pk).first()
    if notification is None:
        raise Http404("no such notification")
    if notification.unread:
        notification.unread = False
        notification.save(update_fields=["unread"])
    target = notification.url
    if "open" in request.POST and target and _safe(request, target):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(_list_url())


def _safe(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


@require_POST
@staff_member_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the user read."""
    done = (
        _model("notification")
        .objects.filter(recipient=request.user, unread=True)
        .update(unread=False)
    )
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": done})
    return HttpResponseRedirect(_list_url())


class SwitchesForm(forms.Form):
    """Two check boxes per notification type: in the admin, by e-mail."""

    def __init__(self, *args: Any, current: dict[str, tuple[bool, bool]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.rows = []
        for notification_type in notification_types():
            name = notification_type.name
            web, email = current.get(name, (notification_type.web, notification_type.email))
            self.fields[f"web_{name}"] = forms.BooleanField(required=False, initial=web)
            self.fields[f"email_{name}"] = forms.BooleanField(required=False, initial=email)
            self.rows.append((notification_type, self[f"web_{name}"], self[f"email_{name}"]))


@require_http_methods(["GET", "POST"])
@staff_member_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """The user's switches: which types to be notified of in the admin and by e-mail."""
    setting_model = _model("notificationsetting")
    rows = setting_model.objects.filter(user=request.user)
    current = {row.type: (row.web, row.email) for row in rows}
    form = SwitchesForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for notification_type, web, email in form.rows:
                setting_model.objects.update_or_create(
                    user=request.user,
                    type=notification_type.name,
                    defaults={
                        "web": form.cleaned_data[web.name],
                        "email": form.cleaned_data[email.name],
                    },
                )
        messages.success(request, _("Your notification settings were saved."))
        return HttpResponseRedirect(reverse("netjsonconfig:notification_settings"))
    return _page(
        request,
        _("Notification settings"),
        "notification_settings.html",
        form=form,
        has_email=bool(getattr(request.user, "email", "")),
    )
