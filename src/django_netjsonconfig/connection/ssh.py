"""The SSH connector, on paramiko.

- every wait is bounded: the TCP connection, the server's banner, the authentication
  (``NETJSONCONFIG_SSH_*_TIMEOUT``) and each command (its own timeout);
- the addresses are tried in order (the management address, then the last one seen);
- a failed authentication is tried once more with the ``rsa-sha2-*`` signatures off,
  for old Dropbear servers that only know ``ssh-rsa``;
- host keys are trusted on first use: with no recorded key, the key the device shows
  is accepted and reported (:attr:`Ssh.host_key`, recorded by the caller); with one,
  any other key refuses the connection *before* authentication (no password is sent
  to an impostor): :class:`HostKeyChanged`;
- a command's output is streamed to a callback and kept up to a bound (the rest is
  read and dropped); the session is always closed.

paramiko (and with it ``cryptography``) is imported at the first session only: a web
process that never talks to a device does not load it.
"""

from __future__ import annotations

import base64
import codecs
import contextlib
import io
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from ..base.connection import fingerprint

if TYPE_CHECKING:
    import paramiko

OLD_DROPBEAR = {"pubkeys": ["rsa-sha2-512", "rsa-sha2-256"]}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "SSH",
    "oneOf": [
        {
            "title": "SSH (password)",
            "required": ["username", "password"],
            "additionalProperties": False,
            "properties": {
                "username": {"type": "string", "minLength": 1, "maxLength": 64},
                "password": {"type": "string", "minLength": 4, "maxLength": 1024},
                "port": {"type": "integer", "default": 22, "minimum": 1, "maximum": 65535},
            },
        },
        {
            "title": "SSH (private key)",
            "required": ["username", "key"],
            "additionalProperties": False,
            "properties": {
                "username": {"type": "string", "minLength": 1, "maxLength": 64},
                "key": {"type": "string", "minLength": 64, "maxLength": 16384},
                "port": {"type": "integer", "default": 22, "minimum": 1, "maximum": 65535},
            },
        },
    ],
}


class SshError(Exception):
    """The device could not be reached, or refused us (the message says why)."""


class HostKeyChanged(SshError):
    def __init__(self, expected: str, offered: str) -> None:
        self.expected, self.offered = expected, offered
        super().__init__(
            f"host key changed: expected {fingerprint(expected)}, offered {fingerprint(offered)}"
        )


@dataclass
class Timeouts:
    connect: float
    banner: float
    auth: float


@dataclass
class Result:
    output: str
    exit_code: int | None
    truncated: bool
    timed_out: bool
    limit: int
    timeout: float


def key_text(key: paramiko.PKey) -> str:
    return f"{key.get_name()} {key.get_base64()}"


def _paramiko() -> Any:
    import paramiko

    return paramiko


def load_private_key(text: str) -> paramiko.PKey:
    """The private key of ``text`` (Ed25519, ECDSA or RSA, OpenSSH or PEM format)."""
    pm = _paramiko()
    for cls in (pm.Ed25519Key, pm.ECDSAKey, pm.RSAKey):
        try:
            key: paramiko.PKey = cls.from_private_key(io.StringIO(text))
            return key
        except (pm.SSHException, ValueError):
            continue
    raise SshError("the private key cannot be read (Ed25519, ECDSA or RSA without passphrase)")


@cache
def _trust_on_first_use() -> Any:
    """The host key policy when no key is recorded: accept the one shown (the caller
    records it)."""
    pm = _paramiko()

    class TrustOnFirstUse(pm.MissingHostKeyPolicy):  # type: ignore[name-defined]
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            return None

    return TrustOnFirstUse()


class Ssh:
    """One SSH session with a device."""

    def __init__(
        self,
        params: dict[str, Any],
        addresses: Sequence[str],
        *,
        known_host_key: str = "",
        timeouts: Timeouts,
    ) -> None:
        self.params = params
        self.addresses = [a for a in addresses if a]
        self.known_host_key = known_host_key
        self.timeouts = timeouts
        self.client: paramiko.SSHClient | None = None
        self.host_key = ""  # the key of the device we are connected to
        self.address = ""

    # --- connecting -------------------------------------------------------------------
    def _client(self, address: str, port: int) -> paramiko.SSHClient:
        pm = _paramiko()
        client = pm.SSHClient()
        client.set_missing_host_key_policy(_trust_on_first_use())
        if self.known_host_key:
            kind, _sep, data = self.known_host_key.partition(" ")
            name = address if port == 22 else f"[{address}]:{port}"
            key = pm.PKey.from_type_string(kind, base64.b64decode(data))
            client.get_host_keys().add(name, kind, key)
        return client

    def _try(self, address: str, disabled: dict[str, list[str]] | None) -> paramiko.SSHClient:
        port = int(self.params.get("port") or 22)
        client = self._client(address, port)
        kwargs: dict[str, Any] = {
            "hostname": address,
            "port": port,
            "username": self.params["username"],
            "timeout": self.timeouts.connect,
            "banner_timeout": self.timeouts.banner,
            "auth_timeout": self.timeouts.auth,
            "allow_agent": False,
            "look_for_keys": False,
            "disabled_algorithms": disabled,
        }
        if self.params.get("key"):
            kwargs["pkey"] = load_private_key(self.params["key"])
        else:
            kwargs["password"] = self.params.get("password", "")
        try:
            client.connect(**kwargs)
        except _paramiko().BadHostKeyException as exc:
            client.close()
            raise HostKeyChanged(key_text(exc.expected_key), key_text(exc.key)) from None
        except BaseException:
            client.close()
            raise
        return client

    def connect(self) -> None:
        """Connect to the first address that answers; SshError saying why not."""
        if not self.addresses:
            raise SshError("the device has no address (no management IP and no last IP)")
        pm = _paramiko()
        errors = []
        for address in self.addresses:
            try:
                try:
                    self.client = self._try(address, None)
                except pm.AuthenticationException:
                    self.client = self._try(address, OLD_DROPBEAR)
            except HostKeyChanged:
                raise
            except pm.AuthenticationException:
                raise SshError(f"{address}: authentication failed") from None
            except (OSError, pm.SSHException, EOFError) as exc:
                errors.append(f"{address}: {_describe(exc)}")
                continue
            transport = self.client.get_transport()
            assert transport is not None
            self.host_key = key_text(transport.get_remote_server_key())
            self.address = address
            return
        raise SshError("; ".join(errors))

    def close(self) -> None:
        """Close the session; its TCP connection ends now. paramiko's ``close()`` closes
        the socket while its transport thread may still be blocked reading it, and the
        kernel then keeps the connection open until that read times out (up to 0.1 s):
        a pool thread would open its next session meanwhile, and the sessions at one
        time would exceed ``NETJSONCONFIG_PUSH_CONCURRENCY``. ``shutdown`` ends the
        connection at once and wakes that read."""
        if self.client is None:
            return
        transport = self.client.get_transport()
        sock = getattr(transport, "sock", None)
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self.client.close()
        self.client = None

    def __enter__(self) -> Ssh:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- commands ---------------------------------------------------------------------
    def exec(
        self,
        command: str,
        *,
        stdin: str | None = None,
        timeout: float,
        max_output: int,
        on_output: Callable[[str], None] | None = None,
    ) -> Result:
        """Run ``command``; its output (stdout and stderr) streamed to ``on_output`` and
        kept up to ``max_output`` characters; stopped after ``timeout`` seconds."""
        if self.client is None:
            raise SshError("not connected")
        transport = self.client.get_transport()
        assert transport is not None
        channel = transport.open_session(timeout=self.timeouts.connect)
        try:
            channel.set_combine_stderr(True)
            channel.exec_command(command)
            if stdin is not None:
                channel.sendall(stdin.encode())
            channel.shutdown_write()
            return self._read(channel, timeout, max_output, on_output)
        finally:
            channel.close()

    def _read(
        self,
        channel: paramiko.Channel,
        timeout: float,
        max_output: int,
        on_output: Callable[[str], None] | None,
    ) -> Result:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        kept: list[str] = []
        size, truncated, timed_out = 0, False, False
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            channel.settimeout(min(left, 0.5))
            try:
                data = channel.recv(32768)
            except TimeoutError:
                continue
            if not data:
                break
            text = decoder.decode(data)
            if truncated or not text:
                continue
            if size + len(text) > max_output:
                text, truncated = text[: max_output - size], True
            size += len(text)
            kept.append(text)
            if on_output is not None and text:
                on_output(text)
        exit_code = None
        if not timed_out and channel.status_event.wait(max(0.0, deadline - time.monotonic())):
            exit_code = channel.recv_exit_status()
        elif not timed_out:
            timed_out = True
        return Result("".join(kept), exit_code, truncated, timed_out, max_output, timeout)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "connection timed out"
    text = str(exc) or type(exc).__name__
    return text[:300]
