"""Settings for running the suites against the sample extension.

``django_netjsonconfig`` is NOT installed: the extension app subclasses its
abstract models and reuses its admin, views and URLs. Our templates and static
files are added by path, as docs/extending.md tells an extender.
"""

import django_netjsonconfig
from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, TEMPLATES

INSTALLED_APPS = [
    "tests.sample_extension.apps.SampleConfigApp" if app == "django_netjsonconfig" else app
    for app in INSTALLED_APPS
]
ROOT_URLCONF = "tests.sample_extension.urls"
TEMPLATES[0]["DIRS"] = [django_netjsonconfig.TEMPLATES_DIR]
STATICFILES_DIRS = [django_netjsonconfig.STATIC_DIR]
# the admin's template tags (the dashboard of the admin index, see docs/extending.md)
TEMPLATES[0]["OPTIONS"]["libraries"] = {
    "netjsonconfig_admin": "django_netjsonconfig.templatetags.netjsonconfig_admin",
}
