"""The schema's annotations, whatever the site's DRF settings."""

from collections.abc import Callable
from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema


def documented(**kwargs: Any) -> Callable[[Any], Any]:
    """drf-spectacular's ``extend_schema`` over drf-spectacular's ``AutoSchema``, whatever
    the site's ``DEFAULT_SCHEMA_CLASS`` (which ``extend_schema`` would extend)."""

    def decorate(func: Any) -> Any:
        func.schema = AutoSchema
        return extend_schema(**kwargs)(func)

    return decorate
