"""Every answer under the controller's paths carries ``X-Openwisp-Controller: true``.

The agent takes an answer without the header for another server, and on register
exits. The controller's views and URL patterns give it on their own (a site with
Django's default middleware: a missing trailing slash, an empty or unknown path, a
malformed body, an unexpected exception); ``ControllerHeaderMiddleware`` gives it to
what happens outside them (a ``Host`` not allowed, another middleware failing).
"""

import logging
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import include, path, re_path

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.controller.generics import BaseDownloadConfigView

from ..factories import TemplateFactory, make_config
from ..helpers import register

pytestmark = pytest.mark.django_db

OURS = "django_netjsonconfig.middleware.ControllerHeaderMiddleware"
# Django's default MIDDLEWARE (startproject), without ours
DJANGO_DEFAULT_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def controller_urls():
    if apps.is_installed("tests.sample_extension"):
        return "tests.sample_extension.controller.urls"
    return "django_netjsonconfig.controller.urls"


class FailingDownloadView(BaseDownloadConfigView):
    """An extender's view that fails after the poll recorded the device's addresses."""

    def answer(self, entry):
        raise RuntimeError("the extender's answer failed")


# a site that serves the controller under a prefix of its own (see test_a_site_prefix...),
# and an extender's failing view
urlpatterns = [
    path("api/v1/", include(controller_urls(), namespace="controller")),
    re_path(r"^failing/(?P<pk>[^/]*)/$", FailingDownloadView.as_view()),
]


class FailingMiddleware:
    """Another middleware of the site, failing on some requests."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "fail" in request.GET:
            raise RuntimeError("a middleware of the site failed")
        return self.get_response(request)


def assert_controller_answer(response, status, text=None):
    assert response.status_code == status, response.content[:300]
    assert response["X-Openwisp-Controller"] == "true"
    assert response["Content-Type"] == "text/plain"
    body = response.content.decode()
    assert "<" not in body and "Traceback" not in body
    if text is not None:
        assert text in body, body


@pytest.fixture(params=["default middleware", "with ControllerHeaderMiddleware"])
def site(request, settings):
    """The suite's site, with Django's default middleware, or with ours first."""
    settings.MIDDLEWARE = DJANGO_DEFAULT_MIDDLEWARE
    if request.param != "default middleware":
        settings.MIDDLEWARE = [OURS, *DJANGO_DEFAULT_MIDDLEWARE]
    return request.param


@pytest.fixture(params=[False, True], ids=["DEBUG off", "DEBUG on"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


# --- the views and URL patterns, with or without the middleware -------------------------
@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/controller/checksum/{hex}"),  # no trailing slash: not a 301
        ("get", "/controller/device/download-config/{hex}"),
        ("post", "/controller/register"),
        ("post", "/controller/report-status/{hex}"),
        ("get", "/controller/vpn/checksum/{hex}"),
        ("get", "/controller/checksum/{hex}/extra/"),
        ("get", "/controller/nothing/"),
        ("post", "/controller/nothing/"),  # no CSRF refusal either
        ("get", "/controller/device/"),
        ("get", "/controller/"),
        ("get", "/controller"),
        ("get", "/controller/checksum/%0A/x/"),
        ("put", "/controller/nothing"),
    ],
)
def test_paths_no_view_serves_are_a_plain_404_with_the_header(site, debug, method, url):
    url = url.format(hex=uuid.uuid4().hex)
    response = getattr(Client(), method)(url, {"key": "k"} if method == "get" else None)
    assert_controller_answer(response, 404, "error: not found")
    if not url.endswith("/"):
        assert 'end with "/"' in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/controller/checksum//",
        "/controller/download-config//",
        "/controller/vpn/checksum//",
        "/controller/checksum/%0A/",
        "/controller/device/checksum/%00/",
    ],
)
def test_an_empty_device_id_is_an_invalid_id(site, debug, url):
    response = Client().get(url, {"key": "k"})
    assert_controller_answer(response, 404, "error: invalid device id")


def test_an_empty_device_id_on_a_post_endpoint_is_an_invalid_id(site):
    response = Client().post("/controller/report-status//", {"key": "k", "status": "applied"})
    assert_controller_answer(response, 404, "error: invalid device id")


MALFORMED_MULTIPART = [
    ("multipart/form-data", b"secret=x&name=y"),  # no boundary
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("multipart/form-data; boundary=\x00", b"--\x00\r\n"),
    ("multipart/form-data; boundary=" + "b" * 80, b"--" + b"b" * 80 + b"\r\n"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\nContent-Disposition: form-data\r\n\r\n"),
    ("multipart/form-data; boundary=xyz", b"--xyz\r\n\r\n\r\n--xyz--garbage" * 3),
]


@pytest.mark.parametrize("content_type,body", MALFORMED_MULTIPART)
@pytest.mark.parametrize("endpoint", ["register", "report-status/{hex}", "update-info/{hex}"])
def test_a_malformed_multipart_body_is_a_400_with_the_header(site, content_type, body, endpoint):
    device = make_config().device
    url = f"/controller/{endpoint.format(hex=device.pk.hex)}/"
    response = Client().post(url, body, content_type=content_type)
    assert response["X-Openwisp-Controller"] == "true"
    assert response.status_code in (400, 403), response.content
    assert_controller_answer(response, response.status_code)


def test_too_many_multipart_fields_is_a_400_with_the_header(site, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    fields = {f"field{i}": "x" for i in range(20)}
    device = make_config().device
    response = Client().post(f"/controller/update-info/{device.pk.hex}/", fields)
    assert_controller_answer(response, 400, "error: malformed request body")


def test_a_body_over_django_upload_limit_is_a_413_with_the_header(site, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    device = make_config().device
    response = Client().post(
        f"/controller/update-info/{device.pk.hex}/", {"key": device.key, "os": "x" * 500}
    )
    assert_controller_answer(response, 413, "error: request body too large")


@pytest.fixture
def failing_receiver():
    """A receiver of the site's that fails (as a buggy third-party app's would)."""

    def receiver(sender, **kwargs):
        raise RuntimeError("a receiver of the site failed: secret detail")

    def connect(signal):
        signal.connect(receiver, weak=False)
        connected.append(signal)

    connected = []
    yield connect
    for signal in connected:
        signal.disconnect(receiver)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("endpoint", ["checksum", "download-config"])
def test_an_unexpected_exception_in_a_view_is_a_plain_500_with_the_header(
    site, debug, failing_receiver, endpoint, caplog
):
    device = make_config().device
    failing_receiver(
        signals.checksum_requested if endpoint == "checksum" else signals.config_download_requested
    )
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/controller/{endpoint}/{device.pk.hex}/", {"key": device.key})
    assert_controller_answer(response, 500, "error: internal server error")
    assert b"secret detail" not in response.content
    assert "secret detail" in caplog.text  # logged, with its traceback
    assert device.key not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_failure_during_registration_is_a_500_with_the_header(site, failing_receiver, secret):
    failing_receiver(signals.device_registered)
    response = register(Client(raise_request_exception=False), secret)
    assert_controller_answer(response, 500, "error: internal server error")


@pytest.mark.django_db(transaction=True)
def test_the_exception_reaches_django_error_reporting(failing_receiver):
    """Error trackers hooked on ``got_request_exception`` still see it: the test client
    re-raises what that signal reports."""
    device = make_config().device
    failing_receiver(signals.checksum_requested)
    with pytest.raises(RuntimeError, match="a receiver of the site failed"):
        Client().get(f"/controller/checksum/{device.pk.hex}/", {"key": device.key})


@pytest.mark.django_db(transaction=True)
def test_what_a_failing_view_wrote_is_rolled_back_under_atomic_requests(settings):
    """With ``ATOMIC_REQUESTS`` a 500 of the view rolls back what the request wrote, as
    Django does for an exception that leaves the view."""
    settings.ROOT_URLCONF = __name__
    device = make_config().device
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        response = Client(raise_request_exception=False).get(
            f"/failing/{device.pk.hex}/", {"key": device.key, "management_ip": "10.9.9.9"}
        )
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = False
    assert_controller_answer(response, 500, "error: internal server error")
    assert get_model("device").objects.get(pk=device.pk).management_ip is None
    # without it, what the poll recorded stays (the same as Django would do)
    response = Client(raise_request_exception=False).get(
        f"/failing/{device.pk.hex}/", {"key": device.key, "management_ip": "10.9.9.9"}
    )
    assert_controller_answer(response, 500)
    assert get_model("device").objects.get(pk=device.pk).management_ip == "10.9.9.9"


@pytest.mark.django_db(transaction=True)
def test_a_render_failure_of_a_registering_device_carries_the_header(secret):
    """A tagged template that uses the hardware id, a hardware id with a backslash:
    whatever rendering makes of it, the agent gets an answer with the header."""
    TemplateFactory(tags=["tagged"], config={"general": {"description": "{{ hardware_id }}"}})
    response = register(
        Client(raise_request_exception=False), secret, hardware_id="SN\\q", tags="tagged"
    )
    assert response["X-Openwisp-Controller"] == "true"
    assert b"Traceback" not in response.content


# --- what only the middleware sees -----------------------------------------------------
@pytest.fixture
def with_ours(settings):
    settings.MIDDLEWARE = [OURS, *DJANGO_DEFAULT_MIDDLEWARE]


@pytest.mark.parametrize("debug_on", [False, True])
def test_a_host_not_allowed_is_a_400_with_the_header(with_ours, settings, debug_on):
    settings.DEBUG = debug_on
    settings.ALLOWED_HOSTS = ["controller.example.com"]
    device = make_config().device
    response = Client(raise_request_exception=False).get(
        f"/controller/checksum/{device.pk.hex}", {"key": device.key}, HTTP_HOST="evil.example"
    )
    assert_controller_answer(response, 400, "error: bad request")
    response = Client(raise_request_exception=False).post(
        "/controller/register/", {"secret": "x"}, HTTP_HOST="evil.example"
    )
    assert_controller_answer(response, 400, "error: bad request")


def test_a_replaced_answer_leaves_the_database_connection_open(with_ours, settings):
    """The middleware drops the answer it replaces without closing it: closing sends
    ``request_finished``, which closes the database connections mid-request."""
    settings.ALLOWED_HOSTS = ["testserver"]
    device = make_config().device
    client = Client(raise_request_exception=False)
    response = client.get("/controller/register/", HTTP_HOST="evil.example")
    assert_controller_answer(response, 400)
    response = client.get(f"/controller/checksum/{device.pk.hex}/", {"key": device.key})
    assert response.status_code == 200
    assert get_model("device").objects.filter(pk=device.pk).exists()


def test_other_paths_are_left_alone(with_ours, settings):
    settings.ALLOWED_HOSTS = ["controller.example.com"]
    response = Client(raise_request_exception=False).get("/admin/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "X-Openwisp-Controller" not in response
    settings.ALLOWED_HOSTS = ["*"]
    response = Client().get("/admin/")
    assert response.status_code == 302
    assert "X-Openwisp-Controller" not in response
    assert Client().get("/nothing/here/").status_code == 404
    assert "X-Openwisp-Controller" not in Client().get("/nothing/here/")


@pytest.mark.parametrize("debug_on", [False, True])
def test_an_exception_in_another_middleware_is_a_plain_500_with_the_header(settings, debug_on):
    settings.DEBUG = debug_on
    settings.MIDDLEWARE = [OURS, *DJANGO_DEFAULT_MIDDLEWARE, f"{__name__}.FailingMiddleware"]
    device = make_config().device
    response = Client(raise_request_exception=False).get(
        f"/controller/checksum/{device.pk.hex}/", {"key": device.key, "fail": "1"}
    )
    assert_controller_answer(response, 500, "error: internal server error")
    assert b"a middleware of the site failed" not in response.content
    # elsewhere, Django's own page
    response = Client(raise_request_exception=False).get("/admin/", {"fail": "1"})
    assert response.status_code == 500
    assert "X-Openwisp-Controller" not in response


def test_a_site_prefix_is_found_not_assumed(with_ours, settings):
    settings.ROOT_URLCONF = __name__
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client(raise_request_exception=False)
    response = client.get(f"/api/v1/controller/checksum/{uuid.uuid4().hex}", {"key": "k"})
    assert_controller_answer(response, 404, 'end with "/"')
    response = client.get("/api/v1/controller/register/", HTTP_HOST="evil.example")
    assert_controller_answer(response, 400)
    # the root is not the controller's on this site
    response = client.get("/controller/register/", HTTP_HOST="evil.example")
    assert "X-Openwisp-Controller" not in response


def test_the_controller_answers_pass_through_untouched(with_ours):
    device = make_config().device
    response = Client().get(f"/controller/checksum/{device.pk.hex}/", {"key": device.key})
    assert response.status_code == 200
    assert response.content.decode() == device.config.checksum_db
    assert list(response.headers) == ["Content-Type", "X-Openwisp-Controller"] + [
        h for h in response.headers if h not in ("Content-Type", "X-Openwisp-Controller")
    ]


def test_the_middleware_keeps_a_redirect_and_adds_the_header(settings):
    """An answer that is not an error (a redirect of SecurityMiddleware's, say) keeps its
    status and headers, and gets the controller header."""
    settings.SECURE_SSL_REDIRECT = True
    settings.MIDDLEWARE = [OURS, *DJANGO_DEFAULT_MIDDLEWARE]
    response = Client().get(f"/controller/checksum/{uuid.uuid4().hex}/", {"key": "k"})
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert response["X-Openwisp-Controller"] == "true"


def test_a_site_without_controller_urls_is_left_alone(settings):
    settings.ROOT_URLCONF = "django_netjsonconfig.urls"
    settings.MIDDLEWARE = [OURS, *DJANGO_DEFAULT_MIDDLEWARE]
    response = Client().get(f"/controller/checksum/{uuid.uuid4().hex}/")
    assert response.status_code == 404
    assert "X-Openwisp-Controller" not in response
