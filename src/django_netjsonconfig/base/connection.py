"""Acting on devices: credentials, a device's connections, the commands sent to it.

The connectors, update strategies and command types are registries of the
``connection`` package, above the models: the models reach them through
:data:`services`, which ``django_netjsonconfig.wiring`` fills when the app starts
(the field choices and the validation of parameters and inputs). The secrets of the
credentials' parameters are encrypted by the field itself (:class:`SealedParamsField`),
whoever writes them (a form, ``QuerySet.update``, ``bulk_create``).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import sealed
from .base import BaseModel

#: filled by ``wiring.connect``: "connector_choices", "strategy_choices",
#: "command_choices" (``() -> choices``), "clean_params" (``(connector, params)``),
#: "clean_input" (``(type, input)``), "infer_strategy" (``(device) -> str | None``)
services: dict[str, Callable[..., Any]] = {}


def _service(name: str) -> Callable[..., Any]:
    try:
        return services[name]
    except KeyError:
        raise LookupError(f"the connection service {name!r} is not connected") from None


def connector_choices() -> Any:
    return _service("connector_choices")() if services else ()


def strategy_choices() -> Any:
    return _service("strategy_choices")() if services else ()


def command_choices() -> Any:
    return _service("command_choices")() if services else ()


def fingerprint(host_key: str) -> str:
    """The SHA256 fingerprint (as OpenSSH prints it) of ``"<type> <base64>"``; "" when
    there is no key, "invalid key" when the key cannot be read."""
    if not host_key:
        return ""
    try:
        blob = base64.b64decode(host_key.split()[1], validate=True)
    except (IndexError, ValueError):
        return "invalid key"
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return f"SHA256:{digest}"


class SealedParamsField(models.JSONField):
    """A JSON object whose secret members (``password``, ``key``) are stored encrypted.

    What is written is always sealed (:func:`sealed.seal_params`); what is read stays
    sealed in memory: only the connector unseals it (``Credentials.plain_params``).
    A serializer (django-reversion, ``dumpdata``) gets the sealed form too.
    """

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(sealed.seal_params(value))

    def value_to_string(self, obj: Any) -> Any:
        return sealed.seal_params(self.value_from_object(obj))


class AbstractCredentials(BaseModel):
    """How to log in to devices: a connector (SSH) and its parameters."""

    name = models.CharField(_("name"), max_length=64, db_index=True)
    connector = models.CharField(
        _("connection type"), max_length=128, choices=connector_choices, default="ssh"
    )
    params = SealedParamsField(
        _("parameters"),
        default=dict,
        help_text=_("the connector's parameters (secrets are stored encrypted)"),
    )
    auto_add = models.BooleanField(
        _("auto add"),
        default=False,
        help_text=_(
            "attach these credentials to every device that has a configuration, and to each new one"
        ),
    )

    class Meta:
        abstract = True
        verbose_name = _("credentials")
        verbose_name_plural = _("credentials")
        ordering = ("name",)

    def __str__(self) -> str:
        return f"{self.name} ({self.get_connector_display()})"

    def plain_params(self) -> dict[str, Any]:
        """The parameters with their secrets in plain text: for the connector only."""
        return sealed.unseal_params(self.params or {})

    def clean(self) -> None:
        if not isinstance(self.params, dict):
            raise ValidationError({"params": _("the parameters must be a JSON object")})
        try:
            plain = self.plain_params()
        except sealed.SecretUnreadable as exc:
            raise ValidationError({"params": str(exc)}) from None
        _service("clean_params")(self.connector, plain)


class AbstractDeviceConnection(BaseModel):
    """A device reached with credentials, and what the last attempt found."""

    tracked_fields = ("is_working", "failure_reason")

    device = models.ForeignKey(  # type: ignore[misc]
        "Device", on_delete=models.CASCADE, related_name="connections", verbose_name=_("device")
    )
    credentials = models.ForeignKey(  # type: ignore[misc]
        "Credentials",
        on_delete=models.CASCADE,
        related_name="connections",
        verbose_name=_("credentials"),
    )
    update_strategy = models.CharField(
        _("update strategy"),
        max_length=128,
        blank=True,
        choices=strategy_choices,
        help_text=_("how the device is asked to update (blank: chosen from its backend)"),
    )
    enabled = models.BooleanField(_("enabled"), default=True, db_index=True)
    is_working = models.BooleanField(_("working"), null=True, blank=True, default=None)
    failure_reason = models.TextField(_("failure reason"), blank=True)
    last_attempt = models.DateTimeField(_("last attempt"), null=True, blank=True)
    host_key = models.TextField(
        _("host key"), blank=True, help_text=_("recorded at the first connection")
    )
    offered_host_key = models.TextField(
        _("offered host key"), blank=True, help_text=_("a different key the device offered")
    )
    # a push to the device is asked for / running since (one at a time; see connection.push)
    push_requested = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    push_started = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        verbose_name = _("device connection")
        verbose_name_plural = _("device connections")
        ordering = ("created",)
        constraints = [
            models.UniqueConstraint(
                fields=("device", "credentials"), name="%(app_label)s_%(class)s_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.credentials} on {self.device}"

    @property
    def host_key_fingerprint(self) -> str:
        return fingerprint(self.host_key)

    @property
    def offered_host_key_fingerprint(self) -> str:
        return fingerprint(self.offered_host_key)

    def accept_offered_host_key(self) -> bool:
        """Trust the key the device offered instead of the recorded one; False when
        there is none. The next connection then succeeds."""
        if not self.offered_host_key:
            return False
        self.host_key, self.offered_host_key = self.offered_host_key, ""
        self.save(update_fields=["host_key", "offered_host_key", "modified"])
        return True

    def clean(self) -> None:
        device = getattr(self, "device", None) if self.device_id else None
        credentials = getattr(self, "credentials", None) if self.credentials_id else None
        if device is None or credentials is None:
            return
        org = getattr(credentials, "organization_id", None)
        if org is not None and org != getattr(device, "organization_id", org):
            raise ValidationError(
                {"credentials": _("the credentials belong to another organization")}
            )
        if not self.update_strategy:
            strategy = _service("infer_strategy")(device)
            if strategy is None:
                raise ValidationError(
                    {
                        "update_strategy": _(
                            "choose an update strategy: the device has no configuration "
                            "to choose one from"
                        )
                    }
                )
            self.update_strategy = strategy


COMMAND_STATUSES = (
    ("in-progress", _("in progress")),
    ("success", _("success")),
    ("failed", _("failed")),
)
MASK = "********"


class AbstractCommand(BaseModel):
    """A command sent to a device, its output as it arrives and its result."""

    device = models.ForeignKey(  # type: ignore[misc]
        "Device", on_delete=models.CASCADE, related_name="commands", verbose_name=_("device")
    )
    connection = models.ForeignKey(  # type: ignore[misc]
        "DeviceConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commands",
        verbose_name=_("connection"),
    )
    type = models.CharField(_("type"), max_length=32, choices=command_choices)
    input = models.JSONField(_("input"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=COMMAND_STATUSES, default="in-progress"
    )
    output = models.TextField(_("output"), blank=True)
    exit_code = models.IntegerField(_("exit code"), null=True, blank=True)
    bulk_job = models.UUIDField(
        _("bulk job"),
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text=_("the job that sent this command to many devices, if any"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        abstract = True
        verbose_name = _("command")
        verbose_name_plural = _("commands")
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"{self.get_type_display()} on {self.device} ({self.status})"

    @property
    def input_display(self) -> str:
        """The input as shown to users (a password is never stored after the command)."""
        return json.dumps(self.input) if self.input is not None else ""

    def clean(self) -> None:
        _service("clean_input")(self.type, self.input)
        if self._state.adding and self.device_id:
            enabled = self.device.connections.filter(enabled=True)
            if not enabled.exists():
                raise ValidationError(
                    _(
                        "the device has no enabled connection: add credentials to it "
                        "before sending a command"
                    )
                )
