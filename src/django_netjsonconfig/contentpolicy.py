"""The Content-Security-Policy of the admin, with django-csp.

``admin_policy()`` is the policy the admin works under (the value of django-csp's
``CONTENT_SECURITY_POLICY`` setting): scripts, styles, images, fonts and requests
from the site itself only (and ``data:`` images); no inline script, no event handler attribute, no
``eval``, no inline style; no plugin, no ``<base>``, forms posted to the site only,
no framing. A script that data smuggled into a page is refused by the browser.

:class:`CSPMiddleware` is django-csp's middleware (``csp.middleware.CSPMiddleware``),
except that the paths the policy excludes (``EXCLUDE_URL_PREFIXES``) are passed on
before anything is done: django-csp builds the policy of every response, excluded or
not (0.2 to 0.4 ms), which would cost each request of the device endpoints
(``/controller/``, answered thousands of times a second, and never a page) a large
part of their own work.
Every other response gets exactly the header django-csp gives it. (The excluded
paths get no ``request.csp_nonce`` either: the device endpoints use none.)

Both need django-csp (``pip install django-csp``, or the ``site`` extra). See
``docs/admin.md``.
"""

from csp.constants import NONE, SELF
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.conf import settings

#: the directives the admin needs (and nothing more)
ADMIN_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    "img-src": [SELF, "data:"],  # CodeMirror's lint markers are data: images
    "font-src": [SELF],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [NONE],
    "form-action": [SELF],
    "frame-ancestors": [NONE],
}

#: the device endpoints: no page, no policy
DEVICE_PATHS = ("/controller/",)


def admin_policy(*, exclude=DEVICE_PATHS, report_uri=None, extra=None):
    """The value of ``CONTENT_SECURITY_POLICY`` for a site whose pages are the admin.

    ``exclude``: path prefixes that get no policy (the device endpoints, under the
    prefix the site includes the controller's urls at). ``report_uri``: where browsers
    report violations, if anywhere. ``extra``: directives to add to or replace in the
    admin's (``{"img-src": [SELF, "https://cdn.example.org"]}``) for a site's own pages.
    """
    directives = {name: list(values) for name, values in ADMIN_DIRECTIVES.items()}
    for name, values in (extra or {}).items():
        directives[name] = list(values)
    if report_uri:
        directives["report-uri"] = [report_uri]
    return {"EXCLUDE_URL_PREFIXES": list(exclude), "DIRECTIVES": directives}


def _excluded(request):
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    prefixes = policy.get("EXCLUDE_URL_PREFIXES") or ()
    return bool(prefixes) and request.path_info.startswith(tuple(prefixes))


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, which passes the excluded paths on at once."""

    def __call__(self, request):
        if _excluded(request):
            return self.get_response(request)  # (a coroutine under ASGI: awaited upstream)
        return super().__call__(request)
