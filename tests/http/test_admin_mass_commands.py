"""The device list's action "Send a command to the selected devices": its page (the
type, then the fields of its schema), refusals (a bad input, a user who may only view),
the job it starts and the job's page with a row per device. The job does not run here
(its task starts after the commit, which these tests never reach): running it over SSH
is tests/integration/test_connection_commands.py's.
Named ``test_admin_*``: it also runs against the sample extension."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from django_netjsonconfig import tasks
from django_netjsonconfig.apps import get_model

from ..connection_helpers import connected_device, credentials
from ..factories import DeviceGroupFactory
from ..fleet_helpers import apply_action, choose_action, job_url
from ..helpers import device_with_config

pytestmark = pytest.mark.django_db


@pytest.fixture
def fleet():
    creds = credentials(username="root", password="mass-ssh-pass")
    reachable = [connected_device(creds).device for _ in range(3)]
    return reachable, device_with_config()


def _jobs():
    return list(get_model("bulkjob").objects.filter(action="command"))


def test_the_page_shows_the_fields_of_the_chosen_type(admin_client, fleet):
    reachable, lonely = fleet
    page = choose_action(admin_client, "send_command", [*reachable, lonely])
    body = page.content.decode()
    assert page.status_code == 200
    assert 'name="command_type"' in body and '<textarea name="command"' in body
    # another type chosen: its fields, no job yet
    page = apply_action(
        admin_client,
        "send_command",
        reachable,
        command_type="change_password",
        shown_type="custom",
        command="",
    )
    body = page.content.decode()
    assert 'name="password"' in body and 'name="command"' not in body
    assert "This field is required" not in body and _jobs() == []


def test_applying_starts_a_job_with_a_row_per_device(admin_client, fleet):
    reachable, lonely = fleet
    response = apply_action(
        admin_client,
        "send_command",
        [*reachable, lonely],
        command_type="custom",
        shown_type="custom",
        command="uptime",
    )
    (job,) = _jobs()
    assert response.status_code == 302 and response["Location"] == job_url(job)
    assert job.params == {"type": "custom", "input": {"command": "uptime"}}
    assert job.total == 4 and job.status == "pending"
    body = admin_client.get(job_url(job)).content.decode()
    assert body.count('data-status="waiting"') == 4  # none reached yet
    assert lonely.name in body and 'data-reload-when-finished="1"' in body


def test_a_password_is_kept_sealed_in_the_job(admin_client, fleet):
    reachable, _lonely = fleet
    apply_action(
        admin_client,
        "send_command",
        reachable,
        command_type="change_password",
        shown_type="change_password",
        password="n3w-secret",
        confirm_password="n3w-secret",
    )
    (job,) = _jobs()
    assert "n3w-secret" not in str(job.params)
    assert "n3w-secret" not in admin_client.get(job_url(job)).content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"command_type": "custom", "shown_type": "custom", "command": " "}, "does not match"),
        (
            {
                "command_type": "change_password",
                "shown_type": "change_password",
                "password": "abcdefg",
                "confirm_password": "abcdefh",
            },
            "the two passwords differ",
        ),
    ],
)
def test_a_bad_input_starts_no_job(admin_client, fleet, data, message):
    reachable, _lonely = fleet
    page = apply_action(admin_client, "send_command", reachable, **data)
    assert page.status_code == 200 and message in page.content.decode()
    assert _jobs() == []


def test_an_unknown_type_falls_back_to_the_form(admin_client, fleet):
    reachable, _lonely = fleet
    page = apply_action(
        admin_client, "send_command", reachable, command_type="nope", shown_type="nope"
    )
    assert page.status_code == 200 and 'name="command_type"' in page.content.decode()
    assert _jobs() == []


def test_a_viewer_is_not_offered_the_action(fleet):
    reachable, _lonely = fleet
    user = get_user_model().objects.create_user("mass-viewer", password="x-1234-y", is_staff=True)
    model = get_model("device")
    user.user_permissions.add(
        Permission.objects.get(
            content_type=ContentType.objects.get_for_model(model),
            codename=f"view_{model._meta.model_name}",
        )
    )
    client = Client()
    client.force_login(user)
    response = apply_action(
        client, "send_command", reachable, command_type="reboot", shown_type="reboot"
    )
    assert response.status_code in (200, 302) and _jobs() == []


def test_the_sweeper_leaves_the_commands_of_a_running_job(fleet):
    reachable, _lonely = fleet
    job = get_model("bulkjob").objects.create(action="command", status="running", total=1)
    model = get_model("command")
    mine, alone = model.objects.bulk_create(
        [
            model(device=reachable[0], type="reboot", bulk_job=job.pk),
            model(device=reachable[1], type="reboot"),
        ]
    )
    assert tasks.commands_in_progress() == [(str(alone.pk),)]
    get_model("bulkjob").objects.filter(pk=job.pk).update(status="failed")
    assert sorted(tasks.commands_in_progress()) == sorted([(str(mine.pk),), (str(alone.pk),)])


def test_a_group_is_the_list_filtered_by_it_with_select_all(admin_client, fleet):
    reachable, lonely = fleet
    group = DeviceGroupFactory(name="mass-group")
    get_model("device").objects.filter(pk__in=[reachable[0].pk, lonely.pk]).update(group=group)
    response = apply_action(
        admin_client,
        "send_command",
        [reachable[0]],  # what the page showed; "select all" takes the whole list
        select_across=True,
        query=f"group__id__exact={group.pk}",
        command_type="reboot",
        shown_type="reboot",
    )
    (job,) = _jobs()
    assert response.status_code == 302
    assert sorted(job.device_ids) == sorted([str(reachable[0].pk), str(lonely.pk)])
    assert job.params == {"type": "reboot", "input": None}
