"""Settings for running the suites against the sample extension.

``django_netjsonconfig`` is NOT installed: the extension app subclasses its
abstract models and reuses its admin, views and URLs. ``django_netjsonconfig.assets``
(no models) brings our templates, template tags and static files, as
docs/extending.md tells an extender; the extension app is listed by its module, whose
apps.py holds its app config.
"""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [
    app
    for entry in INSTALLED_APPS
    for app in (
        ("tests.sample_extension", "django_netjsonconfig.assets")
        if entry == "django_netjsonconfig"
        else (entry,)
    )
]
ROOT_URLCONF = "tests.sample_extension.urls"
