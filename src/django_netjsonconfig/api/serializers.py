"""What the API reads and writes, with OpenWISP Controller's field names.

The serializers check types and shapes only (a UUID, an existing template, a JSON
object); what a write means is decided by the admin's forms and the services
(``api.writes``). Secret fields (``base.admin.mixins.secret_fields``: the device's key,
the private keys of VPN servers, CAs and certificates) are in an answer only for a
user who may change the object, as on the admin's pages, and never in a list.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..apps import get_model
from ..base.admin.mixins import secret_fields
from ..devices import configs
from .permissions import may_change

#: never in an answer: the rendered archives (binary, with private keys; the
#: ``configuration/`` downloads serve them), and the bookkeeping of renders
NEVER_SHOWN = frozenset(
    {"archive", "render_pending", "render_action", "context_fingerprint", "dh", "checksum_db"}
)


class RelatedField(serializers.PrimaryKeyRelatedField):
    """A related object by its id; an id that is not one (not a UUID) is a 400."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            return super().to_internal_value(data)
        except DjangoValidationError:
            self.fail("does_not_exist", pk_value=data)


#: JSON fields that hold an object (the admin's ``JSONObjectField``s)
OBJECT_FIELDS = frozenset({"config", "context", "default_values", "meta_data"})


class ModelSerializer(serializers.ModelSerializer):
    """Secret fields only for users who may change the object (and never in a list)."""

    serializer_related_field = RelatedField

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[Any, dict]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_name in OBJECT_FIELDS and field_class is serializers.JSONField:
            kwargs.pop("encoder", None)
            kwargs.pop("decoder", None)
            return serializers.DictField, kwargs
        return field_class, kwargs

    def get_field_names(self, declared_fields: Any, info: Any) -> list[str]:
        names = super().get_field_names(declared_fields, info)
        return [n for n in names if n not in NEVER_SHOWN]

    def shows_secrets(self) -> bool:
        if self.context.get("in_list"):
            return False
        return may_change(self.context.get("request"), self.Meta.model)

    def to_representation(self, instance: Model) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not self.shows_secrets():
            for name in secret_fields(type(instance)):
                data.pop(name, None)
        return data


def writable_fields(serializer: serializers.Serializer, *, exclude: tuple = ()) -> list[str]:
    """The names of the fields a write of ``serializer`` may set (the forms' fields)."""
    return [
        name
        for name, field in serializer.fields.items()
        if not field.read_only and name not in exclude
    ]


# --- devices ---------------------------------------------------------------------------------
class ConfigSerializer(serializers.Serializer):
    """A device's configuration: its backend, templates in order, variables and NetJSON."""

    backend = serializers.ChoiceField(
        choices=get_model("config")._meta.get_field("backend").choices or [], required=False
    )
    status = serializers.CharField(read_only=True)
    error_reason = serializers.CharField(read_only=True)
    templates = RelatedField(
        many=True, queryset=get_model("template").objects.all(), required=False
    )
    context = serializers.DictField(required=False)
    config = serializers.DictField(required=False)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        templates_of = self.context.get("templates_of")
        if templates_of is not None and instance.pk in templates_of:
            templates = templates_of[instance.pk]
        else:
            templates = configs.ordered_templates(instance)
        return {
            "backend": instance.backend,
            "status": instance.status,
            "error_reason": instance.error_reason,
            "templates": [str(t.pk) for t in templates],
            "context": instance.context,
            "config": instance.config,
        }


class DeviceSerializer(ModelSerializer):
    config = ConfigSerializer(required=False, allow_null=True)

    class Meta:
        model: type[Model] = get_model("device")
        fields = "__all__"
        read_only_fields = ("last_ip", "management_ip", "created", "modified")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, Model):
            self.fields["key"].read_only = True  # set once, as in the admin


# --- templates, groups ------------------------------------------------------------------------
class TemplateSerializer(ModelSerializer):
    tags = serializers.ListField(
        child=serializers.RegexField(r"^[^\s,]+$", max_length=64), required=False
    )

    class Meta:
        model: type[Model] = get_model("template")
        fields = "__all__"


class DeviceGroupSerializer(ModelSerializer):
    class Meta:
        model: type[Model] = get_model("devicegroup")
        fields = "__all__"


# --- VPN servers, CAs and certificates --------------------------------------------------------
VPN_BACKENDS = get_model("vpn")._meta.get_field("backend").choices or []


@extend_schema_field(
    {
        "type": "string",
        "description": "one of: " + ", ".join(str(value) for value, _label in VPN_BACKENDS),
    }
)
class VpnBackendField(serializers.ChoiceField):
    """A VPN backend. Its values are listed in the schema's description, not as an enum:
    the devices' ``backend`` enum has the same field name (drf-spectacular would name the
    two alike, and warn at every ``manage.py check``)."""


class VpnSerializer(ModelSerializer):
    backend = VpnBackendField(choices=VPN_BACKENDS, required=False)

    class Meta:
        model: type[Model] = get_model("vpn")
        fields = "__all__"
        read_only_fields = ("public_key", "private_key")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, Model) and "key" in self.fields:
            self.fields["key"].read_only = True


ISSUED = (
    "key_length",
    "digest",
    "validity_start",
    "validity_end",
    "country_code",
    "state",
    "city",
    "organization_name",
    "organizational_unit_name",
    "email",
    "common_name",
    "extensions",
    "serial_number",
    "certificate",
    "private_key",
)


class X509Serializer(ModelSerializer):
    """Generated from its fields, or imported (certificate and private key) on creation;
    afterwards only the name and the notes change (renew and revoke are actions)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, Model):
            for name in (*ISSUED, "ca"):
                if name in self.fields:
                    self.fields[name].read_only = True
        elif "serial_number" in self.fields:
            self.fields["serial_number"].read_only = True


class CaSerializer(X509Serializer):
    class Meta:
        model: type[Model] = get_model("ca")
        fields = "__all__"


class CertSerializer(X509Serializer):
    class Meta:
        model: type[Model] = get_model("cert")
        fields = "__all__"
        read_only_fields = ("revoked", "revoked_at")
