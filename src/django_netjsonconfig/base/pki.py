"""Certificate authorities and certificates (x509, on the ``cryptography`` library).

The models hold the PEM texts and the fields they were made from; creating,
importing, renewing and revoking are ``django_netjsonconfig.pki.certificates``.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..settings import app_settings
from .base import BaseModel

KEY_LENGTH_CHOICES = ((1024, "1024"), (2048, "2048"), (3072, "3072"), (4096, "4096"))
DIGEST_CHOICES = (
    ("sha256", "SHA256"),
    ("sha384", "SHA384"),
    ("sha512", "SHA512"),
)


def default_key_length() -> int:
    return app_settings.DEFAULT_KEY_LENGTH


def default_digest() -> str:
    return app_settings.DEFAULT_DIGEST


class BaseX509(BaseModel):
    """What a CA and a certificate have in common."""

    tracked_fields = ("certificate", "private_key")

    name = models.CharField(_("name"), max_length=64)
    notes = models.TextField(_("notes"), blank=True)
    key_length = models.PositiveIntegerField(
        _("key length"), choices=KEY_LENGTH_CHOICES, default=default_key_length
    )
    digest = models.CharField(
        _("digest algorithm"), max_length=8, choices=DIGEST_CHOICES, default=default_digest
    )
    validity_start = models.DateTimeField(_("valid from"), blank=True, null=True)
    validity_end = models.DateTimeField(_("valid until"), blank=True, null=True)
    country_code = models.CharField(_("country code"), max_length=2, blank=True)
    state = models.CharField(_("state or province"), max_length=64, blank=True)
    city = models.CharField(_("city"), max_length=64, blank=True)
    organization_name = models.CharField(_("organization"), max_length=64, blank=True)
    organizational_unit_name = models.CharField(_("organizational unit"), max_length=64, blank=True)
    email = models.EmailField(_("email address"), blank=True)
    common_name = models.CharField(_("common name"), max_length=64, blank=True)
    extensions = models.JSONField(
        _("extensions"),
        default=list,
        blank=True,
        help_text=_('Extra extensions, e.g. [{"name": "nsCertType", "value": "client"}].'),
    )
    serial_number = models.CharField(_("serial number"), max_length=48, blank=True)
    certificate = models.TextField(
        _("certificate"), blank=True, help_text=_("PEM; leave empty to generate it")
    )
    private_key = models.TextField(
        _("private key"), blank=True, help_text=_("PEM; leave empty to generate it")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.name)

    def clean(self) -> None:
        if bool(self.certificate.strip()) != bool(self.private_key.strip()):
            raise ValidationError(
                _("To import an existing one, give both the certificate and its private key.")
            )
        if self.country_code and len(self.country_code) != 2:
            raise ValidationError({"country_code": _("Two letters, e.g. IT.")})
        if not isinstance(self.extensions, list):
            raise ValidationError({"extensions": _("Must be a JSON list.")})


class AbstractCa(BaseX509):
    """A certificate authority: issues certificates and publishes their revocations."""

    class Meta:
        abstract = True
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")
        ordering = ("name",)


class AbstractCert(BaseX509):
    """A certificate issued by one of the certificate authorities."""

    # named relative to the app that makes the model concrete (see base.vpn)
    ca = models.ForeignKey(  # type: ignore[misc]
        "Ca", on_delete=models.PROTECT, related_name="certs", verbose_name=_("CA")
    )
    revoked = models.BooleanField(_("revoked"), default=False, db_index=True)
    revoked_at = models.DateTimeField(_("revoked at"), blank=True, null=True)

    class Meta:
        abstract = True
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ("name",)
        constraints = [
            models.UniqueConstraint(
                fields=["ca", "serial_number"], name="%(app_label)s_%(class)s_unique_serial"
            )
        ]
