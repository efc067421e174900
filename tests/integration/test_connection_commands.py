"""Commands from the admin over real SSH servers (tests/ssh_servers.py): one command
sent from the device page with its output read through the JSON status view, one
command sent to 50 devices as a bulk job (bounded concurrency, a result per device, an
unreachable device failed, a device without connection skipped), and a configured
device adopted (its ``uci export``, the stand-in's, read and saved as its own)."""

from __future__ import annotations

import json
import os
import time

import pytest
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from django_netjsonconfig import queue
from django_netjsonconfig.apps import get_model

from ..admin_helpers import admin_url
from ..connection_helpers import (  # noqa: F401 (fixtures)
    FAST_SSH,
    connected_device,
    credentials,
    fast_ssh,
    rig,
)
from ..factories import TemplateFactory
from ..helpers import config_of, device_with_config
from ..ssh_servers import PASSWORD, USER, Servers, SshServer, free_port_on, home

pytestmark = pytest.mark.django_db(transaction=True)

#: records when it starts and ends in the device's directory, for the concurrency
TIMED = (
    'echo "start $(date +%s.%N)" >> "$DEVICE_DIR/cmd.log"; sleep 0.2; '
    'echo "end $(date +%s.%N)" >> "$DEVICE_DIR/cmd.log"; echo "hello from $DEVICE_DIR"'
)


@pytest.fixture
def admin() -> Client:
    user = get_user_model().objects.create_superuser("cmd-admin", "a@example.org", "pass-1234")
    client = Client()
    client.force_login(user)
    return client


def finished(timeout: float = 60) -> None:
    assert queue.wait(timeout), "the background work did not end"


def peak(servers: list[SshServer]) -> int:
    events: list[tuple[float, int]] = []
    for server in servers:
        for line in server.records("cmd.log"):
            what, when = line.split()
            events.append((float(when), 1 if what == "start" else -1))
    top = current = 0
    for _when, step in sorted(events):
        current += step
        top = max(top, current)
    return top


def test_a_command_sent_from_the_device_page_shows_its_output(rig: Servers, admin: Client) -> None:
    server = rig.start("dropbear")
    creds = credentials(username=USER, password=PASSWORD, port=server.port)
    device = connected_device(creds, server.address).device
    response = admin.post(
        admin_url("device", "commands", device.pk),
        {"type": "custom", "command": "echo '<b>bold</b>'; echo done >&2; exit 3"},
    )
    assert response.status_code == 302
    command = get_model("command").objects.get(device=device)
    finished()
    status = admin.get(admin_url("device", "command_status", device.pk, command.pk)).json()
    assert status["finished"] is True and status["status"] == "failed"
    assert status["exit_code"] == 3
    assert "<b>bold</b>" in status["output"] and "done" in status["output"]
    page = admin.get(response["Location"]).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "<b>bold</b>" not in page


def test_one_command_to_50_devices(rig: Servers, admin: Client) -> None:
    addresses = [rig.address() for _ in range(5)]
    port = free_port_on(addresses)
    fleet = [rig.start("dropbear", address, port) for address in addresses]
    for server in fleet:
        server.reset_records()
    creds = credentials(name="mass", username=USER, password=PASSWORD, port=port)
    devices = [connected_device(creds, fleet[n % 5].address).device for n in range(50)]
    unreachable = connected_device(creds, "192.0.2.1").device
    lonely = device_with_config()  # no connection
    chosen = [*devices, unreachable, lonely]
    data = {
        "action": "send_command",
        helpers.ACTION_CHECKBOX_NAME: [str(d.pk) for d in chosen],
        "select_across": "0",
        "index": "0",
    }
    url = admin_url("device", "changelist")
    page = admin.post(url, data)
    assert page.status_code == 200 and 'name="command_type"' in page.content.decode()
    data.update(
        {"apply": "yes", "command_type": "custom", "shown_type": "custom", "command": TIMED}
    )
    start = time.monotonic()
    with override_settings(NETJSONCONFIG_PUSH_CONCURRENCY=4):
        response = admin.post(url, data)
        assert response.status_code == 302, response.content.decode()[:2000]
        finished(120)
    took = time.monotonic() - start
    job = get_model("bulkjob").objects.get(action="command")
    assert job.status == "done", job.message
    outs = {c.status: c.output for c in get_model("command").objects.filter(bulk_job=job.pk)}
    assert job.result == {"success": 50, "failed": 1, "skipped": 1}, outs
    assert "50 commands succeeded, 1 failed." in job.message
    assert 2 <= peak(fleet) <= 4, peak(fleet)
    assert took < 50 * 0.2  # not one at a time
    commands = {c.device_id: c for c in get_model("command").objects.filter(bulk_job=job.pk)}
    assert len(commands) == 51 and lonely.pk not in commands
    assert all(commands[d.pk].status == "success" for d in devices)
    assert commands[unreachable.pk].status == "failed"
    assert "192.0.2.1" in commands[unreachable.pk].output
    body = admin.get(response["Location"]).content.decode()
    assert body.count('data-status="success"') == 50
    assert body.count('data-status="failed"') == 1
    assert "skipped: no enabled connection" in body and lonely.name in body
    one = devices[0]
    assert admin_url("device", "command", one.pk, commands[one.pk].pk) in body


def test_a_password_sent_to_many_is_forgotten_once_sent(rig: Servers, admin: Client) -> None:
    server = rig.start("dropbear")
    server.reset_records()
    creds = credentials(name="pw", username=USER, password=PASSWORD, port=server.port)
    devices = [connected_device(creds, server.address).device for _ in range(2)]
    response = admin.post(
        admin_url("device", "changelist"),
        {
            "action": "send_command",
            helpers.ACTION_CHECKBOX_NAME: [str(d.pk) for d in devices],
            "select_across": "0",
            "apply": "yes",
            "command_type": "change_password",
            "shown_type": "change_password",
            "password": "n3w-secret",
            "confirm_password": "n3w-secret",
        },
    )
    assert response.status_code == 302
    finished()
    job = get_model("bulkjob").objects.get(action="command")
    assert job.status == "done" and job.result == {"success": 2}, job.message
    assert job.params["input"] == {"password": "********", "confirm_password": "********"}
    for command in get_model("command").objects.filter(bulk_job=job.pk):
        assert command.input["password"] == "********"
    # the devices got the password itself, not the mask
    assert server.records().count("passwd args=[root] password=[n3w-secret]") == 2


def test_a_configured_device_is_adopted(rig: Servers, admin: Client) -> None:
    if not (home() / "device-bin" / "uci").exists():
        reason = "the SSH test user lacks the uci stand-in: run tests/ssh/setup-test-user.sh"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason} (REQUIRE_SERVICES=1)")
        pytest.skip(reason)
    server = rig.start("openssh")
    creds = credentials(name="adopt", username=USER, password=PASSWORD, port=server.port)
    device = connected_device(creds, server.address).device
    template = TemplateFactory(
        name="ntp-servers",
        config={
            "ntp": {
                "enabled": True,
                "server": ["0.openwrt.pool.ntp.org", "1.openwrt.pool.ntp.org"],
            }
        },
    )
    config = config_of(device)
    config.templates.add(template)
    url = admin_url("device", "adopt", device.pk)
    page = admin.post(url, {"step": "fetch"})
    body = page.content.decode()
    assert page.status_code == 200 and 'name="own"' in body, body[-3000:]
    assert config_of(device).config == config.config  # nothing saved yet
    covered = page.context["covered"]
    own = json.loads(page.context["own"])
    assert json.loads(covered) == template.config
    assert "ntp" not in own
    assert own["general"]["hostname"] == "adopted-router"
    assert [i["name"] for i in own["interfaces"]] == ["lo", "br-lan", "eth1"]
    hostile = "<img src=x onerror=alert(1)>"
    assert own["general"]["description"] == hostile and hostile not in body
    response = admin.post(url, {"step": "accept", "own": page.context["own"]})
    assert response.status_code == 302
    config = config_of(device)
    assert config.config == own
    assert config.status == "modified"  # rendered again: the device downloads it
