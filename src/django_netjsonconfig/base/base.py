"""Pieces shared by every abstract model."""

import copy
import uuid
from collections.abc import Collection
from typing import Any, Self

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..settings import app_settings


def backend_choices():
    return app_settings.backend_choices()


def default_backend():
    return app_settings.DEFAULT_BACKEND


class BackendField(models.CharField):
    """The dotted path of a configuration backend.

    Choices come from ``NETJSONCONFIG_BACKENDS`` through a callable, so adding
    a backend needs no migration.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 128)
        kwargs.setdefault("verbose_name", _("backend"))
        kwargs.setdefault("choices", backend_choices)
        super().__init__(*args, **kwargs)


class BaseModel(models.Model):
    """UUID primary key, timestamps, and the values of ``tracked_fields`` as loaded.

    Services compare the loaded values with the current ones to know what a
    save changed (and so which signals to send and what to re-render).
    """

    tracked_fields: tuple[str, ...] = ()

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True, editable=False)
    modified = models.DateTimeField(_("modified"), auto_now=True, editable=False)

    class Meta:
        abstract = True

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._loaded = {
            f: _copy(getattr(instance, f)) for f in cls.tracked_fields if f in instance.__dict__
        }
        return instance

    def loaded_value(self, field):
        """The value ``field`` had when this instance was read (None if never read)."""
        return getattr(self, "_loaded", {}).get(field)

    def changed_fields(self):
        loaded = getattr(self, "_loaded", None)
        if loaded is None:
            return set()
        return {f for f, v in loaded.items() if getattr(self, f) != v}

    def mark_saved(self):
        # only the fields this instance holds: reading a deferred one would load it
        # (a query per field, e.g. on the instance a poll builds from its cache entry)
        self._loaded = {
            f: _copy(getattr(self, f)) for f in self.tracked_fields if f in self.__dict__
        }


def _copy(value):
    return copy.deepcopy(value) if isinstance(value, (dict, list)) else value


class BaseConfig(BaseModel):
    """A NetJSON configuration and the backend that renders it."""

    backend = BackendField(default=default_backend)
    config = models.JSONField(_("configuration"), default=dict, blank=True)

    class Meta:
        abstract = True

    def clean_config_value(self):
        if not isinstance(self.config, dict):
            raise ValidationError({"config": _("The configuration must be a JSON object.")})
