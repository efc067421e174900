"""The schema's annotations of the API's views.

drf-spectacular's ``extend_schema`` extends the site's ``DEFAULT_SCHEMA_CLASS``, which
must be drf-spectacular's ``AutoSchema`` (``REST_FRAMEWORK`` setting, docs/api.md).
"""

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema


def documented(**kwargs: Any) -> Callable[[Any], Any]:
    """``extend_schema(**kwargs)``: the one place the API's views annotate their schema."""
    decorator: Callable[[Any], Any] = extend_schema(**kwargs)
    return decorator
