"""Acting on devices over real SSH servers: Dropbear (as on OpenWrt) and OpenSSH.

The servers run on loopback addresses of their own (one per simulated device), with
host keys generated for them; the sessions log in as the unprivileged test user whose
stand-in commands record what they were asked (tests/ssh_servers.py).
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from django_netjsonconfig import queue, signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.connection import commands, push, sessions
from django_netjsonconfig.connection.ssh import HostKeyChanged, SshError

from ..connection_helpers import (  # noqa: F401 (fixtures)
    FAST_SSH,
    connected_device,
    credentials,
    fast_ssh,
    rig,
)
from ..factories import TemplateFactory
from ..helpers import config_of, reload
from ..signal_helpers import catch_signal
from ..ssh_servers import (
    PASSWORD,
    USER,
    Servers,
    SessionPeak,
    SshServer,
    client_key,
    peak_concurrency,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def dropbear(rig: Servers) -> SshServer:
    server = rig.start("dropbear")
    server.start_agent()
    return server


@pytest.fixture(scope="module")
def openssh(rig: Servers) -> SshServer:
    server = rig.start("openssh")
    server.start_agent()
    return server


@pytest.fixture(params=["dropbear", "openssh"])
def server(request: pytest.FixtureRequest) -> SshServer:
    found: SshServer = request.getfixturevalue(request.param)
    found.reset_records()
    return found


def password_credentials(server: SshServer, password: str = PASSWORD) -> object:
    return credentials(username=USER, password=password, port=server.port)


def finished(timeout: float = 30) -> None:
    assert queue.wait(timeout), "the background work did not end"


def test_password_login_records_the_host_key_and_says_it_works(server: SshServer) -> None:
    connection = connected_device(password_credentials(server), server.address)
    with catch_signal(signals.is_working_changed) as sent:
        with sessions.session(connection) as ssh:
            assert ssh.exec("id -un", timeout=3, max_output=100).output.strip() == USER
    connection = reload(connection)
    assert connection.is_working is True
    assert connection.failure_reason == ""
    assert connection.last_attempt is not None
    assert connection.host_key == server.public_key()
    assert connection.host_key_fingerprint.startswith("SHA256:")
    one = sent.one()
    assert one.instance.pk == connection.pk
    assert one.kwargs == {
        "instance": one.instance,
        "is_working": True,
        "old_is_working": None,
        "failure_reason": "",
        "old_failure_reason": "",
    }


def test_key_login_runs_a_command(server: SshServer, rig: Servers) -> None:
    key = client_key(rig.workdir)
    creds = credentials(name="by-key", username=USER, key=key, port=server.port)
    connection = connected_device(creds, server.address)
    command = commands.launch(connection.device, "reboot")
    finished()
    command = reload(command)
    assert command.status == "success", command.output
    assert command.exit_code == 0
    assert "rebooting" in command.output
    assert command.connection_id == connection.pk
    assert server.records() == ["reboot "]


def test_wrong_password_is_recorded_and_signalled(server: SshServer) -> None:
    creds = password_credentials(server)
    connection = connected_device(creds, server.address)
    sessions.open_ssh(connection).close()
    creds.params = {"username": USER, "password": "not-the-password", "port": server.port}
    creds.save()
    connection = reload(connection)
    with catch_signal(signals.is_working_changed) as sent, pytest.raises(SshError):
        sessions.open_ssh(connection)
    connection = reload(connection)
    assert connection.is_working is False
    assert "authentication failed" in connection.failure_reason
    assert "not-the-password" not in connection.failure_reason
    one = sent.one()
    assert (one.is_working, one.old_is_working) == (False, True)
    assert (one.failure_reason, one.old_failure_reason) == (connection.failure_reason, "")


@pytest.mark.parametrize("address", ["127.0.0.254", "192.0.2.1"])
def test_unreachable_device_fails_fast_and_is_recorded(address: str, dropbear: SshServer) -> None:
    connection = connected_device(password_credentials(dropbear), address)
    start = time.monotonic()
    with pytest.raises(SshError):
        sessions.open_ssh(connection)
    assert time.monotonic() - start < 3  # the connect timeout is 1 s
    connection = reload(connection)
    assert connection.is_working is False
    assert address in connection.failure_reason
    assert connection.last_attempt is not None


def test_the_last_address_is_tried_after_the_management_address(dropbear: SshServer) -> None:
    connection = connected_device(
        password_credentials(dropbear), "127.0.0.254", last_ip=dropbear.address
    )
    sessions.open_ssh(connection).close()
    assert reload(connection).is_working is True


def test_a_command_without_a_reachable_device_fails_saying_why(dropbear: SshServer) -> None:
    connection = connected_device(password_credentials(dropbear), "127.0.0.254")
    command = commands.launch(connection.device, "reboot")
    finished()
    command = reload(command)
    assert command.status == "failed"
    assert "no connection could be opened" in command.output
    assert "127.0.0.254" in command.output
    assert command.exit_code is None


def test_changed_host_key_is_refused_until_accepted(rig: Servers) -> None:
    server = rig.start("dropbear")
    connection = connected_device(password_credentials(server), server.address)
    sessions.open_ssh(connection).close()
    first = reload(connection).host_key
    server.restart_with_new_key()
    connection = reload(connection)
    with catch_signal(signals.host_key_mismatch) as sent, pytest.raises(HostKeyChanged):
        sessions.open_ssh(connection)
    connection = reload(connection)
    assert connection.is_working is False
    assert connection.host_key == first
    assert connection.offered_host_key == server.public_key()
    expected, offered = connection.host_key_fingerprint, connection.offered_host_key_fingerprint
    assert connection.failure_reason == (
        f"host key changed: expected {expected}, offered {offered}"
    )
    one = sent.one()
    assert (one.instance.pk, one.expected, one.offered) == (connection.pk, expected, offered)
    assert connection.accept_offered_host_key()
    sessions.open_ssh(reload(connection)).close()
    connection = reload(connection)
    assert connection.is_working is True
    assert connection.host_key == server.public_key()
    assert connection.offered_host_key == ""


@override_settings(NETJSONCONFIG_SSH_COMMAND_TIMEOUT=1)
def test_a_command_that_outlives_its_timeout_fails(dropbear: SshServer) -> None:
    connection = connected_device(password_credentials(dropbear), dropbear.address)
    command = commands.launch(connection.device, "custom", {"command": "echo started; sleep 20"})
    start = time.monotonic()
    finished()
    assert time.monotonic() - start < 5
    command = reload(command)
    assert command.status == "failed"
    assert command.output.startswith("started\n")
    assert "timed out after 1 seconds" in command.output


@override_settings(NETJSONCONFIG_COMMAND_OUTPUT_MAX=1000)
def test_output_over_the_bound_is_cut_and_marked(openssh: SshServer) -> None:
    connection = connected_device(password_credentials(openssh), openssh.address)
    command = commands.launch(connection.device, "custom", {"command": "yes | head -c 100000"})
    finished()
    command = reload(command)
    assert command.status == "success"
    assert command.output.startswith("y\ny\n")
    assert command.output.endswith("\n[output truncated at 1000 characters]")
    assert len(command.output) < 1100


def test_change_password_pipes_it_and_masks_the_input(server: SshServer) -> None:
    connection = connected_device(password_credentials(server), server.address)
    secret = "new-Secret-42"
    command = commands.launch(
        connection.device, "change_password", {"password": secret, "confirm_password": secret}
    )
    assert secret not in str(reload(command).input)  # sealed while it waits
    finished()
    command = reload(command)
    assert command.status == "success", command.output
    assert command.input == {"password": "********", "confirm_password": "********"}
    # the password reached passwd on its standard input, not on its command line
    assert server.records() == [f"passwd args=[root] password=[{secret}]"]


def test_two_pushes_racing_for_one_device_open_one_session(dropbear: SshServer) -> None:
    dropbear.reset_records()
    dropbear.set_delay(0.5)
    try:
        connection = connected_device(password_credentials(dropbear), dropbear.address)
        push.request([connection.device_id])
        finished()  # the request's own push
        dropbear.signals(1)
        dropbear.reset_records()
        # the mark a config change leaves; two workers then race for it
        get_model("deviceconnection").objects.filter(pk=connection.pk).update(
            push_requested=timezone.now()
        )
        barrier = threading.Barrier(2)
        done: list[int] = []

        def racer() -> None:
            barrier.wait()
            try:
                done.append(push.push_device(connection.device_id))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=racer) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        finished()
        assert sorted(done) == [0, 1]
        assert dropbear.versions() == 1
        assert dropbear.signals(1) == 1
    finally:
        dropbear.set_delay(0)


def test_a_burst_of_changes_gives_one_push(openssh: SshServer) -> None:
    openssh.reset_records()
    connection = connected_device(password_credentials(openssh), openssh.address)
    config = config_of(connection.device)
    openssh.set_delay(2)
    try:
        config.config = {"general": {"timezone": "UTC"}}
        config.save()  # a push starts, and takes 2 s
        _wait_for(lambda: openssh.versions() == 1)
        for n in range(50):  # 50 changes, each committed on its own, while it runs
            config.config = {"general": {"timezone": f"Etc/GMT+{n % 12}"}}
            config.save()
        finished()
        # the push running before the burst, and one push for the 50 changes
        assert openssh.versions() == 2
        assert openssh.signals(2) == 2
        assert (
            not get_model("deviceconnection")
            .objects.filter(pk=connection.pk, push_requested__isnull=False)
            .exists()
        )
    finally:
        openssh.set_delay(0)


def _wait_for(predicate: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@override_settings(NETJSONCONFIG_PUSH_CONCURRENCY=3)
def test_a_fleet_push_goes_through_the_bounded_pool(rig: Servers) -> None:
    fleet = rig.fleet("dropbear", 8)
    port = fleet[0].port
    for server in fleet:
        server.set_delay(0.3)
    template = TemplateFactory()
    creds = credentials(name="fleet", username=USER, password=PASSWORD, port=port)
    for server in fleet:
        config_of(connected_device(creds, server.address).device).templates.add(template)
    # and a device that does not answer: skipped within the connect timeout
    unreachable = connected_device(creds, "192.0.2.1")
    config_of(unreachable.device).templates.add(template)
    finished()
    for server in fleet:
        server.signals(1)  # the pushes of the templates' addition, received
        server.reset_records()
    with SessionPeak(port) as sessions:
        start = time.monotonic()
        template.config = {"general": {"timezone": "Europe/Rome"}}
        template.save()  # the web request: renders, asks for the pushes, returns
        assert time.monotonic() - start < 2  # 8 sessions of 0.3 s each would take longer
        finished(60)
    # a closed session's connection ends at once: never more than the pool's size open
    assert 2 <= sessions.clients <= 3
    assert sessions.servers <= 3
    assert [server.versions() for server in fleet] == [1] * len(fleet)
    unreachable = reload(unreachable)
    assert unreachable.is_working is False
    assert "192.0.2.1" in unreachable.failure_reason
    assert unreachable.last_attempt is not None
    assert [server.signals(1) for server in fleet] == [1] * len(fleet)
    assert 2 <= peak_concurrency(fleet) <= 3
