#!/usr/bin/env bash
# The unprivileged user the SSH integration tests log in as (tests/ssh_servers.py).
# Run as root, once per machine (.ci/run does): creates the user with a known password,
# a login shell that gives each simulated device (the server address and port the
# session reached) a directory of its own and puts the stand-ins of the device's
# commands ($HOME/device-bin: reboot, passwd, openwisp-config, pgrep, uci) first on PATH.
# Nothing a test runs on a "device" runs as root.
set -euo pipefail

user="${NETJSONCONFIG_SSH_TEST_USER:-netjsonconfig-ssh}"
password="${NETJSONCONFIG_SSH_TEST_PASSWORD:-device-test-password}"
here="$(cd "$(dirname "$0")" && pwd)"
shell=/usr/local/bin/netjsonconfig-test-shell

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: it creates the user $user" >&2
    exit 1
fi

install -m 0755 "$here/test-shell" "$shell"
# Dropbear only lets in a user whose shell /etc/shells lists
grep -qxF "$shell" /etc/shells || echo "$shell" >> /etc/shells

if ! id -u "$user" >/dev/null 2>&1; then
    useradd --create-home --shell "$shell" "$user"
fi
usermod --shell "$shell" "$user"
echo "$user:$password" | chpasswd

home="$(getent passwd "$user" | cut -d: -f6)"
rm -rf "$home/device-bin"
install -d -m 0755 -o "$user" -g "$user" "$home/device-bin" "$home/devices"
install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
for f in "$here"/device-bin/*; do
    install -m 0755 -o "$user" -g "$user" "$f" "$home/device-bin/"
done
chmod 0755 "$home"
echo "SSH test user $user ready ($home)"
