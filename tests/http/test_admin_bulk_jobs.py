"""Bulk actions over many devices (more than NETJSONCONFIG_BULK_SYNC_LIMIT, or "select
all" across pages) run as a background job, batch by batch, with a progress page."""

import html
import json

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.fleet import bulk

from ..factories import DeviceGroupFactory, TemplateFactory
from ..fleet_helpers import apply_action, bulk_fleet, choose_action, job_url, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_batches(settings):
    settings.NETJSONCONFIG_BULK_SYNC_LIMIT = 2


def jobs():
    return get_model("bulkjob").objects.all()


def test_few_devices_are_changed_in_the_request_without_a_job(admin_client, settings):
    settings.NETJSONCONFIG_BULK_SYNC_LIMIT = 5
    devices = bulk_fleet(5)
    group = DeviceGroupFactory()

    response = apply_action(admin_client, "change_group", devices, group=str(group.pk))

    assert response.status_code == 302
    assert not jobs().exists()
    assert get_model("device").objects.filter(group=group).count() == 5


def test_the_intermediate_page_says_the_work_runs_in_the_background(admin_client, small_batches):
    devices = bulk_fleet(3)

    response = choose_action(admin_client, "change_group", devices)

    assert "processed in the background" in response.content.decode()


def test_many_devices_run_as_a_job_and_the_page_shows_its_progress(admin_client, small_batches):
    template = TemplateFactory(name="ntp", config={"general": {"description": "x"}})
    devices = bulk_fleet(5)

    response = apply_action(admin_client, "add_templates", devices, templates=str(template.pk))

    job = jobs().get()
    assert response.status_code == 302
    assert response["Location"] == job_url(job)
    assert messages_of(response) == ["Add templates: 5 devices, running in the background."]
    # the tests run background work inline: the job is over
    assert (job.status, job.done, job.total) == ("done", 5, 5)
    assert job.message == 'Templates "ntp" added to 5 configurations.'
    assert job.result == {"changed": 5, "skipped": 0}
    for device in devices:
        config = get_model("config").objects.get(device=device)
        assert [t.name for t in config.templates.all()] == ["ntp"]
        assert config.checksum_db == configs.render(config).checksum
    page = html.unescape(admin_client.get(job_url(job)).content.decode())
    assert "5</span> / 5" in page and "netjsonconfig-progress-bar" in page
    assert 'Templates "ntp" added to 5 configurations.' in page


def test_select_all_across_pages_takes_the_filtered_list(admin_client, small_batches):
    office = DeviceGroupFactory(name="office")
    branch = DeviceGroupFactory(name="branch")
    in_office = bulk_fleet(3, group=office)
    elsewhere = bulk_fleet(2)

    response = apply_action(
        admin_client,
        "change_group",
        in_office[:1],
        select_across=True,
        query=f"group__id__exact={office.pk}",
        group=str(branch.pk),
    )

    assert response.status_code == 302
    job = jobs().get()
    assert sorted(job.device_ids) == sorted(str(d.pk) for d in in_office)
    assert get_model("device").objects.filter(group=branch).count() == 3
    assert not get_model("device").objects.filter(pk__in=[d.pk for d in elsewhere], group=branch)


def test_the_status_view_answers_the_progress_as_json(admin_client):
    job = get_model("bulkjob").objects.create(action="delete", device_ids=["a"] * 8, total=8)
    get_model("bulkjob").objects.filter(pk=job.pk).update(done=2, status="running")

    response = admin_client.get(job_url(job, "bulkjob_status"))

    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["status"] == "running" and data["finished"] is False
    assert (data["done"], data["total"], data["percent"]) == (2, 8, 25)


def test_an_unknown_job_is_not_found(admin_client):
    job = get_model("bulkjob").objects.create(action="delete", total=0)
    url = job_url(job)
    job.delete()

    assert admin_client.get(url).status_code == 404
    assert admin_client.get(url + "status/").status_code == 404


def test_a_user_who_may_not_see_devices_cannot_see_a_job(client, django_user_model):
    job = get_model("bulkjob").objects.create(action="delete", total=0)
    user = django_user_model.objects.create_user("staff", password="pw", is_staff=True)
    client.force_login(user)

    assert client.get(job_url(job)).status_code == 403


def test_a_job_resumes_where_it_stopped(small_batches):
    group = DeviceGroupFactory()
    devices = bulk_fleet(5)
    ids = [str(d.pk) for d in devices]
    job = get_model("bulkjob").objects.create(
        action="change_group",
        params={"group": str(group.pk)},
        device_ids=ids,
        total=5,
        done=2,
        status="running",
        result={"changed": 2, "skipped": 0},
    )

    job = bulk.run_job(job.pk)

    assert (job.status, job.done) == ("done", 5)
    moved = set(get_model("device").objects.filter(group=group).values_list("pk", flat=True))
    assert moved == {d.pk for d in devices[2:]}
    assert job.result == {"changed": 5, "skipped": 0}


def test_a_finished_job_is_not_run_again():
    job = get_model("bulkjob").objects.create(action="delete", device_ids=["x"], total=1)
    get_model("bulkjob").objects.filter(pk=job.pk).update(status="done", done=1)

    assert bulk.run_job(job.pk).done == 1


def test_a_job_whose_template_became_required_fails_with_the_reason(small_batches):
    template = TemplateFactory(name="ntp")
    devices = bulk_fleet(3, templates=[template])
    job = get_model("bulkjob").objects.create(
        action="remove_templates",
        params={"templates": [str(template.pk)]},
        device_ids=[str(d.pk) for d in devices],
        total=3,
    )
    template.required = True
    template.save()

    job = bulk.run_job(job.pk)

    assert job.status == "failed"
    assert job.message == "Required templates cannot be removed: ntp."
    assert job.done == 0
    assert all(
        template in get_model("config").objects.get(device=d).templates.all() for d in devices
    )


def test_a_job_whose_group_is_gone_fails_with_the_reason(small_batches):
    group = DeviceGroupFactory()
    devices = bulk_fleet(3)
    job = get_model("bulkjob").objects.create(
        action="change_group",
        params={"group": str(group.pk)},
        device_ids=[str(d.pk) for d in devices],
        total=3,
    )
    group.delete()

    job = bulk.run_job(job.pk)

    assert job.status == "failed"
    assert job.message == "The chosen group does not exist (any more)."


@pytest.mark.django_db(transaction=True)
def test_in_the_thread_mode_the_job_runs_after_the_request(admin_client, settings):
    settings.NETJSONCONFIG_FANOUT = "thread"
    settings.NETJSONCONFIG_BULK_SYNC_LIMIT = 2
    group = DeviceGroupFactory()
    devices = bulk_fleet(5)

    response = apply_action(admin_client, "change_group", devices, group=str(group.pk))
    bulk.wait_for_threads(timeout=30)

    assert response.status_code == 302
    job = jobs().get()
    assert (job.status, job.done) == ("done", 5)
    assert get_model("device").objects.filter(group=group).count() == 5


def test_with_celery_the_job_is_a_task_taking_its_id(
    settings, monkeypatch, small_batches, django_capture_on_commit_callbacks
):
    from django_netjsonconfig import tasks

    settings.NETJSONCONFIG_FANOUT = "celery"
    sent = []
    monkeypatch.setattr(tasks.run_bulk_job, "delay", lambda *args: sent.append(args))
    devices = bulk_fleet(3)
    queryset = get_model("device").objects.filter(pk__in=[d.pk for d in devices])

    with django_capture_on_commit_callbacks(execute=True):
        outcome = bulk.submit("delete", queryset, {})

    assert sent == [(str(outcome.job.pk),)]
    assert outcome.job.status == "pending"
    assert tasks.run_bulk_job(str(outcome.job.pk)) == "done"
    assert not queryset.exists()


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_down_the_job_runs_in_a_thread(settings, monkeypatch, small_batches):
    from django_netjsonconfig import tasks

    settings.NETJSONCONFIG_FANOUT = "celery"

    def broker_down(*args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.run_bulk_job, "delay", broker_down)
    devices = bulk_fleet(3)
    queryset = get_model("device").objects.filter(pk__in=[d.pk for d in devices])

    outcome = bulk.submit("delete", queryset, {})  # no transaction: sent at once
    bulk.wait_for_threads(timeout=30)

    outcome.job.refresh_from_db()
    assert outcome.job.status == "done"
    assert not queryset.exists()
