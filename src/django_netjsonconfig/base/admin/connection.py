"""Admin of acting on devices: credentials, a device's connections inline, and the
"accept the offered host keys" action of the device list.

A credentials' password or private key is never sent back to the browser: the form
has empty secret fields ("leave blank to keep"), and a user who may only view the
credentials sees the parameters with their secrets masked.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ...base import sealed
from ...connection import connectors

KEEP = _("Leave blank to keep the current one.")


class AbstractCredentialsForm(forms.ModelForm):
    """The SSH parameters as form fields; the secrets are write-only."""

    username = forms.CharField(label=_("username"), max_length=64)
    port = forms.IntegerField(label=_("port"), initial=22, min_value=1, max_value=65535)
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    key = forms.CharField(
        label=_("private key"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=_("OpenSSH or PEM private key (Ed25519, ECDSA or RSA), without passphrase"),
    )

    class Meta:
        model: Any = None
        exclude = ("params",)  # noqa: DJ006 - its members are the fields above

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        params = self.instance.params if self.instance.pk else {}
        params = params if isinstance(params, dict) else {}
        if self.instance.pk:
            self.fields["username"].initial = params.get("username", "")
            self.fields["port"].initial = params.get("port", 22)
            for name in sealed.SECRET_FIELDS:
                if params.get(name):
                    self.fields[name].help_text = f"{gettext('A value is set.')} {KEEP}"

    def _update_errors(self, errors: ValidationError) -> None:
        # the model's own check of its parameters: shown above the form (no such field)
        error_dict = getattr(errors, "error_dict", None)
        if error_dict and "params" in error_dict:
            error_dict = dict(error_dict)
            error_dict.setdefault(NON_FIELD_ERRORS, []).extend(error_dict.pop("params"))
            errors = ValidationError(error_dict)
        super()._update_errors(errors)  # type: ignore[misc]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        old = self.instance.params if self.instance.pk else {}
        old = old if isinstance(old, dict) else {}
        params: dict[str, Any] = {
            "username": data.get("username", ""),
            "port": data.get("port") or 22,
        }
        if data.get("key"):
            params["key"] = data["key"]
        elif data.get("password"):
            params["password"] = data["password"]
        elif old.get("key"):
            params["key"] = old["key"]  # kept, sealed
        elif old.get("password"):
            params["password"] = old["password"]
        else:
            raise ValidationError(_("Give a password or a private key."))
        try:
            connectors.clean_params(data.get("connector") or "ssh", sealed.unseal_params(params))
        except ValidationError as exc:
            raise ValidationError(_("Invalid parameters: %s") % "; ".join(exc.messages)) from None
        except sealed.SecretUnreadable as exc:
            raise ValidationError(str(exc)) from None
        self.instance.params = params
        return data


class AbstractCredentialsAdmin(admin.ModelAdmin):
    """Credentials; the form's secret fields are shown only to users who may change
    them, empty (write-only)."""

    form = AbstractCredentialsForm
    list_display = ("name", "connector", "auto_add", "created")
    list_filter = ("connector", "auto_add")
    search_fields = ("name",)
    readonly_fields = ("parameters",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not self.has_change_permission(request, obj):
            model_fields = [
                f for f in super().get_fields(request, obj) if f not in ("password", "key")
            ]
            return [f for f in model_fields if f not in ("username", "port")]
        fields = list(super().get_fields(request, obj))
        if obj is None:
            fields.remove("parameters")
        return fields

    @admin.display(description=_("parameters"))
    def parameters(self, obj: Any) -> str:
        params = sealed.masked_params(obj.params or {})
        return ", ".join(f"{k}: {v}" for k, v in sorted(params.items())) or "-"


class DeviceConnectionInline(admin.TabularInline):
    """A device's connections: how it is reached, and what the last attempt found."""

    model: Any = None
    extra = 0
    fields = (
        "credentials",
        "update_strategy",
        "enabled",
        "is_working",
        "failure_reason",
        "last_attempt",
        "host_key_fingerprint",
        "offered_host_key_fingerprint",
    )
    readonly_fields = (
        "is_working",
        "failure_reason",
        "last_attempt",
        "host_key_fingerprint",
        "offered_host_key_fingerprint",
    )
    verbose_name = _("connection")
    verbose_name_plural = _("connections (credentials used to act on the device)")

    @admin.display(description=_("host key (SHA256)"))
    def host_key_fingerprint(self, obj: Any) -> str:
        return obj.host_key_fingerprint or "-"

    @admin.display(description=_("offered host key"))
    def offered_host_key_fingerprint(self, obj: Any) -> str:
        return obj.offered_host_key_fingerprint or "-"


@admin.action(
    description=_("Accept the SSH host keys offered by the selected devices"),
    permissions=["change"],
)
def accept_host_keys(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    """Trust the key each selected device offered instead of the recorded one (after
    checking that the device was really replaced or reinstalled)."""
    related = queryset.model._meta.get_field("connections").related_model
    accepted = 0
    for connection in related.objects.filter(device__in=queryset).exclude(offered_host_key=""):
        accepted += connection.accept_offered_host_key()
    modeladmin.message_user(
        request,
        gettext("Accepted %(count)d offered host key(s).") % {"count": accepted},
        messages.SUCCESS if accepted else messages.WARNING,
    )


def connection_inline(device_model: Any) -> type[DeviceConnectionInline] | None:
    """The connections inline for ``device_model``, when it has connections."""
    try:
        related = device_model._meta.get_field("connections").related_model
    except Exception:  # noqa: BLE001 - FieldDoesNotExist: no connection models
        return None
    return type("DeviceConnectionInline", (DeviceConnectionInline,), {"model": related})
