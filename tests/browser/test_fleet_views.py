"""The fleet views in a browser: the list with its counts, a bulk action, the progress
page of a background job (its script polls the status), the dashboard."""

import pytest

from django_netjsonconfig.apps import get_model

from ..factories import DeviceGroupFactory, TemplateFactory
from ..fleet_helpers import bulk_fleet, changelist_url, job_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_operator_moves_devices_to_a_group_from_the_list(page, shot):
    office = DeviceGroupFactory(name="office")
    office.templates.set([TemplateFactory(name="vlan")])
    bulk_fleet(3, model="RB951", os="OpenWrt 23.05")

    page.goto(changelist_url())
    assert page.locator('.netjsonconfig-status-counts [data-status="modified"]').inner_text() == "3"
    shot(page, "fleet-1-device-list")
    page.check("#action-toggle")
    page.select_option("select[name=action]", "change_group")
    page.click("button[name=index]")
    page.select_option("select[name=group]", label="office")
    shot(page, "fleet-2-change-group")
    page.click("input[type=submit][value=Apply]")

    page.wait_for_selector(".messagelist")
    assert '3 devices moved to group "office".' in page.inner_text(".messagelist")
    assert get_model("device").objects.filter(group=office).count() == 3
    assert page.console.errors == []


def test_the_add_templates_page_has_no_script_error(page, shot):
    TemplateFactory(name="ntp")
    TemplateFactory(name="base", required=True)
    bulk_fleet(2)

    page.goto(changelist_url())
    page.check("#action-toggle")
    page.select_option("select[name=action]", "add_templates")
    page.click("button[name=index]")
    page.wait_for_selector("text=ntp (OpenWRT)")
    shot(page, "fleet-3-add-templates")

    assert page.console.errors == []


def test_the_job_page_follows_the_progress(page, shot):
    model = get_model("bulkjob")
    job = model.objects.create(action="delete", device_ids=["x"] * 4, total=4)
    model.objects.filter(pk=job.pk).update(status="running", done=1)

    page.goto(job_url(job))
    assert page.inner_text(".netjsonconfig-job-done") == "1"
    shot(page, "fleet-4-job-running")
    model.objects.filter(pk=job.pk).update(status="done", done=4, message="4 devices deleted.")

    page.wait_for_selector('[data-job-status="done"]')
    assert page.inner_text(".netjsonconfig-job-percent") == "100"
    assert page.inner_text(".netjsonconfig-job-message") == "4 devices deleted."
    shot(page, "fleet-5-job-done")
    assert page.console.errors == []


def test_the_dashboard_on_the_admin_index(page, shot):
    config_model = get_model("config")
    devices = bulk_fleet(6, model="TL-WR841N", os="OpenWrt 23.05")
    bulk_fleet(3, model="RB951", os="OpenWrt 22.03")
    config_model.objects.filter(device__in=devices[:4]).update(status="applied")
    config_model.objects.filter(device=devices[4]).update(status="error")

    page.goto("/admin/")
    page.wait_for_selector("#netjsonconfig-dashboard")
    shot(page, "fleet-6-dashboard")

    assert page.locator("#netjsonconfig-dashboard svg rect").count() >= 3
    assert page.console.errors == []


def test_an_operator_imports_devices_after_a_dry_run(page, shot, tmp_path):
    TemplateFactory(name="ntp")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,mac_address,templates\nr1,00:11:22:33:44:01,ntp\nr2,nope,ghost\n")
    good = tmp_path / "devices.csv"
    good.write_text("name,mac_address,templates\nr1,00:11:22:33:44:01,ntp\nr2,00:11:22:33:44:02,\n")

    page.goto(changelist_url())
    page.click("a.netjsonconfig-import")
    page.set_input_files("input[name=file]", str(bad))
    page.click("input[type=submit][value='Check and import']")
    page.wait_for_selector(".netjsonconfig-import-errors")
    errors = page.inner_text(".netjsonconfig-import-errors")
    assert "Row 2, mac_address: Enter a valid MAC address." in errors
    assert 'Row 2, templates: unknown template "ghost"' in errors
    shot(page, "fleet-7-import-errors")

    page.set_input_files("input[name=file]", str(good))
    page.click("input[type=submit][value='Check and import']")
    page.wait_for_selector(".netjsonconfig-import-ok")
    shot(page, "fleet-8-import-dry-run")
    page.click("input[type=submit][value='Import these devices']")

    page.wait_for_selector(".messagelist")
    assert "2 devices imported." in page.inner_text(".messagelist")
    assert get_model("device").objects.count() == 2
    assert page.console.errors == []
