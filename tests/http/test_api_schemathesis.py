"""Every operation of the REST API's OpenAPI schema, with requests schemathesis makes
from it (a bounded number per operation, always the same ones): no answer is a 5xx, and
every answer the schema describes matches it.

The requests are those of a user who may change everything (a Bearer token); half the
examples of an operation on one object name a real object of its kind, the others a
random id (404).
"""

import contextlib
import re
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from ..api_helpers import _no_token_throttle_history, client_for, make_user, token_for  # noqa: F401
from ..factories import DeviceGroupFactory, TemplateFactory, make_config
from ..vpn_helpers import WIREGUARD, make_ca, make_cert, make_vpn

pytestmark = pytest.mark.django_db

EXAMPLES = 12


SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


def test_every_operation_is_in_the_schema():
    paths = {op.path for op in OPERATIONS}
    for kind in ("device", "template", "group", "vpn", "ca", "cert"):
        assert f"/api/v1/controller/{kind}/" in paths
        assert f"/api/v1/controller/{kind}/{{id}}/" in paths
    assert "/api/v1/users/token/" in paths
    assert len(OPERATIONS) >= 30


@contextlib.contextmanager
def keep_connection() -> Any:
    """As Django's test client: the test's database connection stays open after each
    request (the WSGI handler would close it). Django's test client connects the
    handler again after each of its requests: this is entered after the last of them."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def token(db: Any) -> str:
    make_config(templates=[TemplateFactory()])
    user = make_user("change", name="schemathesis")
    return token_for(user)


def real_object(path: str) -> str | None:
    """The id of a real object of the path's kind (``/controller/<kind>/{id}/...``)."""
    match = re.search(r"/controller/(\w+)/\{id\}/", path)
    makers = {
        "device": lambda: make_config(templates=[TemplateFactory()]).device,
        "template": TemplateFactory,
        "group": DeviceGroupFactory,
        "vpn": lambda: make_vpn(WIREGUARD, name="schemathesis-wg"),
        "ca": lambda: make_ca("schemathesis-ca"),
        "cert": lambda: make_cert(make_ca("schemathesis-ca"), "schemathesis-cert"),
    }
    if match is None or match.group(1) not in makers:
        return None
    return str(makers[match.group(1)]().pk)


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_operation(operation, token):
    headers = {"Authorization": f"Bearer {token}"}
    real_id = real_object(operation.path)

    @given(case=operation.as_strategy(), on_real=st.booleans())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any, on_real: bool) -> None:
        if real_id is not None and on_real:  # half the examples on a real object
            case.path_parameters = {**(case.path_parameters or {}), "id": real_id}
        response = case.call(headers=headers)
        case.validate_response(
            response,
            checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
        )

    with keep_connection():
        run()
