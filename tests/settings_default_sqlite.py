"""An embedding site with Django's default SQLite settings.

What ``django-admin startproject`` writes: the database is a file, and nothing
else is set (rollback journal, deferred transactions, a 5 s busy timeout).
``NETJSONCONFIG_FANOUT`` and ``NETJSONCONFIG_POLL_CACHE_WARM`` are not set either:
without a broker, re-renders run in a thread of the web process (the embedded mode).
The database file is ``$NETJSONCONFIG_TEST_SQLITE``
(tests/integration/test_sqlite_default_settings.py makes one per run).
"""

import os

from tests.settings import *  # noqa: F403
from tests.settings import BASE_DIR

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("NETJSONCONFIG_TEST_SQLITE")
        or os.path.join(BASE_DIR, "default-settings.sqlite3"),
    }
}
# the app's defaults, as a site has them
del NETJSONCONFIG_FANOUT  # noqa: F821 (from tests.settings)
del NETJSONCONFIG_POLL_CACHE_WARM  # noqa: F821
