"""How a device is asked to apply its configuration now.

The download from the controller stays the source of truth: no configuration is
uploaded. The OpenWrt strategy asks the openwisp-config agent to poll at once:

1. ``openwisp-config --version`` checks that the agent is installed;
2. when an agent process runs, ``kill -USR1`` makes it check its checksum now (agents
   from 0.6);
3. otherwise, unless a configuration is being applied (``/tmp/openwisp/applying_conf``),
   ``/etc/init.d/openwisp_config restart`` starts one, which polls first thing.

The script is fed to ``sh -s`` on its standard input, so that no process's command
line contains the agent's name (``pgrep -f`` would find the shell running it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..settings import app_settings

if TYPE_CHECKING:
    from .ssh import Ssh

OPENWRT_SCRIPT = """\
agent=openwisp-config
"$agent" --version >/dev/null 2>&1 || { echo "$agent is not installed" >&2; exit 3; }
pids=$(pgrep -f "$agent")
if [ -n "$pids" ]; then
    kill -USR1 $pids && echo "asked $agent ($pids) to update" && exit 0
fi
if [ -e /tmp/openwisp/applying_conf ]; then
    echo "a configuration is being applied"
    exit 0
fi
/etc/init.d/openwisp_config restart && echo "restarted $agent"
"""


class UpdateFailed(Exception):
    """The device could not be asked to update (the message says why)."""


def openwrt(ssh: Ssh) -> str:
    """Ask the openwisp-config agent to update now; its output. UpdateFailed if not."""
    result = ssh.exec(
        "sh -s",
        stdin=OPENWRT_SCRIPT,
        timeout=app_settings.SSH_COMMAND_TIMEOUT,
        max_output=4096,
    )
    if result.timed_out or result.exit_code != 0:
        reason = "timed out" if result.timed_out else f"exit code {result.exit_code}"
        raise UpdateFailed(f"the update failed ({reason}): {result.output.strip()[:500]}")
    return result.output
