"""Bulk delete: Django's confirmation page for a few devices; over
NETJSONCONFIG_BULK_SYNC_LIMIT a summary (not a list of thousands) and a background
job. Either way, each deleted device keeps a version and can be recovered."""

import pytest
from reversion.models import Version

from django_netjsonconfig.apps import get_model

from ..fleet_helpers import apply_action, bulk_fleet, changelist_url, choose_action, job_url

pytestmark = pytest.mark.django_db


def test_a_few_devices_get_djangos_confirmation_page(admin_client):
    devices = bulk_fleet(2)

    response = choose_action(admin_client, "delete_selected", devices)

    assert response.status_code == 200
    assert "admin/delete_selected_confirmation.html" in [t.name for t in response.templates]
    assert devices[0].name in response.content.decode()
    assert get_model("device").objects.count() == 2


def test_confirming_deletes_the_devices_and_their_configurations(admin_client):
    devices = bulk_fleet(2)
    kept = bulk_fleet(1)

    response = admin_client.post(
        changelist_url(),
        {
            "action": "delete_selected",
            "_selected_action": [str(d.pk) for d in devices],
            "post": "yes",
        },
    )

    assert response.status_code == 302
    assert list(get_model("device").objects.all()) == kept
    assert get_model("config").objects.count() == 1


def test_many_devices_get_a_summary_instead_of_a_list(admin_client, settings):
    settings.NETJSONCONFIG_BULK_SYNC_LIMIT = 2
    devices = bulk_fleet(4)

    response = choose_action(admin_client, "delete_selected", devices)

    page = response.content.decode()
    assert "The 4 selected devices and their configurations will be deleted." in page
    assert "processed in the background" in page
    assert "delete_selected_confirmation" not in [t.name for t in response.templates]


def test_confirming_deletes_many_devices_in_a_job(admin_client, settings):
    settings.NETJSONCONFIG_BULK_SYNC_LIMIT = 2
    devices = bulk_fleet(5)

    response = apply_action(admin_client, "delete_selected", devices)

    job = get_model("bulkjob").objects.get()
    assert response["Location"] == job_url(job)
    assert (job.action, job.status, job.done) == ("delete", "done", 5)
    assert job.message == "5 devices deleted."
    assert not get_model("device").objects.exists()
    assert not get_model("config").objects.exists()


def test_each_device_deleted_in_bulk_keeps_a_version_of_its_own(admin_client, settings):
    settings.NETJSONCONFIG_BULK_SYNC_LIMIT = 2
    devices = bulk_fleet(3)

    apply_action(admin_client, "delete_selected", devices)

    deleted = Version.objects.get_deleted(get_model("device"))
    assert sorted(v.object_id for v in deleted) == sorted(str(d.pk) for d in devices)
    revisions = {v.revision_id for v in deleted}
    assert len(revisions) == 3  # each can be recovered alone
    for version in deleted:
        models = {v.content_type.model for v in version.revision.version_set.all()}
        assert models == {"device", "config"}


def test_a_user_without_delete_permission_has_no_delete_action(client, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    opts = get_model("device")._meta
    user.user_permissions.add(
        Permission.objects.get(
            codename=f"change_{opts.model_name}", content_type__app_label=opts.app_label
        )
    )
    client.force_login(user)

    response = client.get(changelist_url())

    actions = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in actions
    assert "change_group" in actions
