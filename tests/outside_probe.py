"""Copied into a project made from outside (tests/outside_helpers.py) and run there:
``python outside_probe.py <device add page path>``.

With the project's settings (``mysite.settings``) and database: create a superuser, log
into the admin with its password, open the device add page, fetch every script and
stylesheet it names, and register a device as the agent does. The last line printed is a
JSON report. It imports nothing of the test suite: only the project and what is installed.
"""

import json
import os
import re
import sys
from importlib.util import find_spec


def main(device_add_url):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    import django_netjsonconfig

    setup_test_environment()  # the test client's host name is allowed
    get_user_model().objects.create_superuser("admin", "admin@example.com", "pass-w0rd")
    client = Client()
    login = client.post(
        "/admin/login/?next=/admin/",
        {"username": "admin", "password": "pass-w0rd", "next": "/admin/"},
    )
    index = client.get("/admin/")
    page = client.get(device_add_url)
    html = page.content.decode()
    assets = re.findall(r'<script src="([^"]+)"', html)
    assets += re.findall(r'<link href="([^"]+)"[^>]*rel="stylesheet"', html)
    fetched = {}
    for url in assets:
        if url.startswith("/static/"):
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else b""
            fetched[url] = [response.status_code, len(body)]
    from django.conf import settings

    register = Client(REMOTE_ADDR="192.168.1.20").post(
        "/controller/register/",
        {
            "secret": getattr(settings, "NETJSONCONFIG_SHARED_SECRET", ""),
            "name": "router-1",
            "mac_address": "00:11:22:33:44:55",
            "backend": "netjsonconfig.OpenWrt",
        },
    )
    print(
        json.dumps(
            {
                "package": django_netjsonconfig.__file__,
                "celery_installed": find_spec("celery") is not None,
                "sys_path": sys.path,
                "login": login.status_code,
                "login_redirect": login.get("Location", ""),
                "index": index.status_code,
                "index_dashboard": "netjsonconfig" in index.content.decode(),
                "page": page.status_code,
                "preview_buttons": "netjsonconfig-preview" in html,
                "editor_widget": "netjsonconfig" in html,
                "assets": fetched,
                "register": register.status_code,
                "register_header": register.get("X-Openwisp-Controller", ""),
                "register_body": register.content.decode()[:300],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
