"""The demo site's settings, with some of the app's settings from the environment.

For tests that run processes of one site with different settings side by side (old and
new workers during a rolling restart): ``TEST_NETJSONCONFIG_CONTEXT`` (JSON),
``TEST_NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL`` (seconds) and
``TEST_NETJSONCONFIG_FANOUT``.
"""

import json
import os

from demo.settings import *  # noqa: F403

NETJSONCONFIG_CONTEXT = json.loads(os.environ.get("TEST_NETJSONCONFIG_CONTEXT") or "{}")
if os.environ.get("TEST_NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL"):
    NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL = float(
        os.environ["TEST_NETJSONCONFIG_CONTEXT_RECHECK_INTERVAL"]
    )
if os.environ.get("TEST_NETJSONCONFIG_FANOUT"):
    NETJSONCONFIG_FANOUT = os.environ["TEST_NETJSONCONFIG_FANOUT"]
