"""Production-like settings with no shared secret: start-up must fail."""

from tests.settings import *  # noqa: F403

DEBUG = False
NETJSONCONFIG_SHARED_SECRET = ""
