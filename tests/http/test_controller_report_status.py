import pytest

from django_netjsonconfig.apps import get_model

from ..helpers import device_with_config, report_status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", ["applied", "modified", "error"])
def test_report_status_records_the_status(device_client, status):
    device = device_with_config()
    response = report_status(device_client, device, status=status)
    assert response.status_code == 200
    assert response.content == f"report-result: success\ncurrent-status: {status}\n".encode()
    assert get_model("config").objects.get(device=device).status == status


def test_an_error_report_keeps_the_reason(device_client):
    device = device_with_config()
    report_status(device_client, device, status="error", error_reason="uci commit failed")
    config = get_model("config").objects.get(device=device)
    assert config.error_reason == "uci commit failed"


def test_an_error_report_without_reason_gets_a_default_one(device_client):
    device = device_with_config()
    report_status(device_client, device, status="error")
    assert get_model("config").objects.get(device=device).error_reason


def test_a_very_long_reason_is_truncated(device_client):
    device = device_with_config()
    report_status(device_client, device, status="error", error_reason="x" * 5000)
    reason = get_model("config").objects.get(device=device).error_reason
    assert len(reason) == 1024
    assert reason.endswith("[truncated]")


def test_leaving_the_error_state_clears_the_reason(device_client):
    device = device_with_config()
    report_status(device_client, device, status="error", error_reason="boom")
    report_status(device_client, device, status="applied")
    assert get_model("config").objects.get(device=device).error_reason == ""


def test_the_legacy_running_status_means_applied(device_client):
    device = device_with_config()
    response = report_status(device_client, device, status="running")
    assert response.content.endswith(b"current-status: applied\n")


def test_update_info_saves_os_model_and_system(device_client):
    device = device_with_config()
    response = device_client.post(
        f"/controller/update-info/{device.pk}/",
        {"key": device.key, "os": " OpenWrt 24.10 ", "model": "Xiaomi AX3000T", "system": ""},
    )
    assert response.status_code == 200
    assert response.content == b"update-info: success"
    device.refresh_from_db()
    assert (device.os, device.model) == ("OpenWrt 24.10", "Xiaomi AX3000T")


def test_update_info_refuses_a_too_long_value(device_client):
    device = device_with_config()
    response = device_client.post(
        f"/controller/update-info/{device.pk}/", {"key": device.key, "model": "m" * 500}
    )
    assert response.status_code == 400
    assert b"model" in response.content
    device.refresh_from_db()
    assert device.model == ""
