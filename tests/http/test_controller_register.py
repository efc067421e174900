import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.base.device import consistent_key
from django_netjsonconfig.devices import configs

from ..basics import md5
from ..factories import OPENWRT, DeviceFactory, TemplateFactory
from ..helpers import parse_lines, register
from ..vpn_helpers import OPENVPN, client_of, make_vpn, make_vpn_template

pytestmark = pytest.mark.django_db


def test_register_creates_the_device_and_its_config(device_client, secret):
    response = register(device_client, secret, os="OpenWrt 23.05", model="TP-Link", system="ath79")
    assert response.status_code == 201
    assert response["Content-Type"] == "text/plain"
    assert response["X-Openwisp-Controller"] == "true"
    answer = parse_lines(response)
    assert answer["registration-result"] == "success"
    assert answer["is-new"] == "1"
    assert answer["hostname"] == "router-1"
    device = get_model("device").objects.get(pk=answer["uuid"])
    assert len(answer["uuid"]) == 32 and "-" not in answer["uuid"]
    assert answer["key"] == device.key
    assert (device.os, device.model, device.system) == ("OpenWrt 23.05", "TP-Link", "ath79")
    assert device.last_ip == "192.168.1.10"
    assert device.config.backend == OPENWRT
    assert device.config.checksum_db


def test_the_answer_ends_with_a_newline_in_the_agents_order(device_client, secret):
    text = register(device_client, secret).content.decode()
    keys = [line.split(":")[0] for line in text.splitlines()]
    assert keys == ["registration-result", "uuid", "key", "hostname", "is-new"]
    assert text.endswith("\n")


def test_consistent_registration_keeps_the_agents_key(device_client, secret):
    key = consistent_key("00:11:22:33:44:55", secret)
    answer = parse_lines(register(device_client, secret, key=key))
    assert answer["key"] == key


def test_a_reflashed_device_is_recognised_by_its_key(device_client, secret):
    key = consistent_key("00:11:22:33:44:55", secret)
    first = parse_lines(register(device_client, secret, key=key))
    second = parse_lines(register(device_client, secret, key=key, name="router-1"))
    assert second["uuid"] == first["uuid"]
    assert second["is-new"] == "0"
    assert get_model("device").objects.count() == 1


def test_a_device_created_in_the_admin_is_adopted(device_client, secret):
    device = DeviceFactory(mac_address="00:11:22:33:44:55", name="planned")
    assert device.key == consistent_key("00:11:22:33:44:55", secret)
    answer = parse_lines(register(device_client, secret, key=device.key, name="planned"))
    assert answer["uuid"] == device.pk.hex
    assert answer["is-new"] == "0"
    device.refresh_from_db()
    assert device.config.backend == OPENWRT


def test_a_device_is_adopted_by_mac_when_the_secret_changed(device_client, secret, settings):
    old = DeviceFactory(mac_address="00:11:22:33:44:55")
    settings.NETJSONCONFIG_SHARED_SECRET = "a-new-secret"
    new_key = consistent_key("00:11:22:33:44:55", "a-new-secret")
    answer = parse_lines(register(device_client, "a-new-secret", key=new_key))
    assert answer["uuid"] == old.pk.hex
    assert answer["key"] == new_key


def test_posting_the_mac_as_name_does_not_rename_the_device(device_client, secret):
    DeviceFactory(mac_address="00:11:22:33:44:55", name="office-ap")
    answer = parse_lines(register(device_client, secret, name="00-11-22-33-44-55"))
    assert answer["hostname"] == "office-ap"


def test_a_new_hostname_renames_the_device(device_client, secret):
    DeviceFactory(mac_address="00:11:22:33:44:55", name="office-ap")
    answer = parse_lines(register(device_client, secret, name="lobby-ap"))
    assert answer["hostname"] == "lobby-ap"


def test_a_new_device_named_like_another_takes_its_mac_as_name(device_client, secret):
    DeviceFactory(name="router-1")
    answer = parse_lines(register(device_client, secret, mac_address="AA:BB:CC:DD:EE:FF"))
    assert answer["hostname"] == "AA:BB:CC:DD:EE:FF"


def test_registration_updates_os_model_and_system(device_client, secret):
    register(device_client, secret, os="OpenWrt 22.03")
    register(device_client, secret, os="OpenWrt 23.05", model="GL.iNet")
    device = get_model("device").objects.get()
    assert (device.os, device.model) == ("OpenWrt 23.05", "GL.iNet")


def test_tags_add_the_templates_carrying_them(device_client, secret):
    outdoor = TemplateFactory(tags=["outdoor"])
    TemplateFactory(tags=["indoor"])
    register(device_client, secret, tags="outdoor mesh")
    config = get_model("device").objects.get().config
    assert list(config.templates.all()) == [outdoor]


def test_default_templates_are_added_to_a_registered_device(device_client, secret):
    default = TemplateFactory(default=True)
    TemplateFactory()
    register(device_client, secret)
    assert list(get_model("device").objects.get().config.templates.all()) == [default]


def test_registration_disabled_is_403(device_client, secret, settings):
    settings.NETJSONCONFIG_REGISTRATION_ENABLED = False
    response = register(device_client, secret)
    assert response.status_code == 403
    assert response.content == b"error: registration disabled"


def test_without_consistent_registration_the_posted_key_is_ignored(device_client, secret, settings):
    settings.NETJSONCONFIG_CONSISTENT_REGISTRATION = False
    answer = parse_lines(register(device_client, secret, key="chosen-by-device"))
    assert answer["key"] != "chosen-by-device"


def test_a_default_template_that_cannot_render_does_not_break_registration(device_client, secret):
    # saved directly, bypassing the admin's check, as an older version may have let through
    TemplateFactory(default=True, config={"general": {"timezone": "{{ missing_tz }}"}})
    response = register(device_client, secret)
    assert response.status_code == 201
    config = get_model("device").objects.get().config
    assert config.status == "error"
    assert "missing_tz" in config.error_reason


def test_after_registration_the_agent_cycle_succeeds(device_client, secret):
    answer = parse_lines(register(device_client, secret))
    uuid, key = answer["uuid"], answer["key"]
    checksum = device_client.get(f"/controller/checksum/{uuid}/", {"key": key}).content.decode()
    archive = device_client.get(f"/controller/download-config/{uuid}/", {"key": key}).content
    assert md5(archive) == checksum
    report = device_client.post(
        f"/controller/report-status/{uuid}/", {"key": key, "status": "applied"}
    )
    assert report.content == b"report-result: success\ncurrent-status: applied\n"


@pytest.mark.django_db(transaction=True)
def test_two_agents_registering_the_same_device_at_once_make_one_device(secret):
    from django.test import Client

    key = consistent_key("00:11:22:33:44:55", secret)
    barrier = threading.Barrier(4)
    results = []

    def agent():
        client = Client(REMOTE_ADDR="192.168.1.10")
        barrier.wait()
        try:
            results.append(register(client, secret, key=key).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=agent) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert get_model("device").objects.count() == 1
    assert get_model("config").objects.count() == 1
    assert results == [201] * 4


def test_without_self_creation_an_unknown_device_is_404(device_client, secret, settings):
    settings.NETJSONCONFIG_REGISTRATION_SELF_CREATION = False
    response = register(device_client, secret)
    assert response.status_code == 404
    assert b"please create it first" in response.content
    assert get_model("device").objects.count() == 0


def test_without_self_creation_a_known_device_registers(device_client, secret, settings):
    settings.NETJSONCONFIG_REGISTRATION_SELF_CREATION = False
    device = DeviceFactory(mac_address="00:11:22:33:44:55")
    answer = parse_lines(register(device_client, secret, key=device.key))
    assert answer["uuid"] == device.pk.hex


def test_registration_records_a_posted_management_ip(device_client, secret):
    register(device_client, secret, management_ip="10.8.0.9")
    assert get_model("device").objects.get().management_ip == "10.8.0.9"


def test_an_invalid_management_ip_is_400(device_client, secret):
    response = register(device_client, secret, management_ip="not-an-ip")
    assert response.status_code == 400
    assert b"management_ip" in response.content


def test_a_new_device_is_validated_and_rendered_before_its_write_transaction(device_client, secret):
    TemplateFactory(default=True)
    TemplateFactory(tags=["outdoor"])
    with CaptureQueriesContext(connection) as captured:
        response = register(device_client, secret, tags="outdoor")
    assert response.status_code == 201
    sql = [query["sql"] for query in captured.captured_queries]
    start = next(i for i, q in enumerate(sql) if q.startswith("SAVEPOINT"))
    end = next(i for i, q in enumerate(sql) if q.startswith("RELEASE SAVEPOINT"))
    # the device, its config (checksum and archive included), its templates
    assert [q.split()[0] for q in sql[start + 1 : end]] == ["INSERT"] * 3
    assert {q.split()[0] for q in sql[:start]} == {"SELECT"}
    assert end == len(sql) - 1
    assert len(sql) <= 17  # 16 with our models; the sample extension reads its organization
    config = get_model("device").objects.get().config
    assert len(configs.ordered_templates(config)) == 2
    assert config.checksum_db == configs.render(config).checksum
    assert md5(bytes(config.archive)) == config.checksum_db


def test_a_default_vpn_template_provisions_the_registering_device(device_client, secret):
    make_vpn_template(make_vpn(OPENVPN), default=True)
    answer = parse_lines(register(device_client, secret))
    config = get_model("device").objects.get(pk=answer["uuid"]).config
    assert client_of(config).cert_id
    assert config.checksum_db == configs.render(config).checksum
