"""An administrator's browser, over HTTP, for the tests that drive a real server.

A cookie jar, no redirect followed (the tests look at them), the admin's forms read
as a browser would submit them (``bench.common.form_fields``), the CSRF token included.
"""

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request

from bench.common import form_fields, replace_field


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class AdminSession:
    def __init__(self, base_url, timeout=30.0):
        self.base = base_url.rstrip("/")
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect
        )

    def request(self, method, path, data=None, headers=None):
        """``(status, headers, body text)``."""
        body = None if data is None else urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers=headers or {}, method=method
        )
        if body is not None:
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read().decode(errors="replace")

    def form(self, path, form_id=None):
        """The fields of the form at ``path`` (``form_id``, or the first with a CSRF token)."""
        status, _, html = self.request("GET", path)
        assert status == 200, f"GET {path}: {status}\n{html[:1000]}"
        return form_fields(html, form_id)

    def login(self, username, password):
        """The admin's login form, submitted: ``(status, headers, body)`` (302 when in)."""
        fields = self.form("/admin/login/", "login-form")
        fields = replace_field(fields, "username", username)
        fields = replace_field(fields, "password", password)
        return self.request("POST", "/admin/login/?next=/admin/", fields)

    def submit(self, path, form_id, **values):
        """The form at ``path`` submitted with ``values`` changed."""
        fields = self.form(path, form_id)
        for name, value in values.items():
            fields = replace_field(fields, name, value)
        return self.request("POST", path, fields)
