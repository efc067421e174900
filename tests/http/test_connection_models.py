"""The models of acting on devices: secrets at rest, validation, the signals, auto-added
credentials and the marks a changed configuration leaves for a push."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings

from django_netjsonconfig import signals
from django_netjsonconfig.apps import get_model
from django_netjsonconfig.base import sealed
from django_netjsonconfig.connection import commands

from ..connection_helpers import connected_device, credentials
from ..factories import DeviceFactory, extra_fields, make_config
from ..helpers import device_with_config, reload
from ..signal_helpers import catch_signal

pytestmark = pytest.mark.django_db

PASSWORD = "model-ssh-password-7"


def _row(creds):
    return get_model("credentials").objects.values_list("params", flat=True).get(pk=creds.pk)


def test_every_write_path_stores_ciphertext():
    creds = credentials(username="root", password=PASSWORD)
    assert sealed.is_sealed(_row(creds)["password"])
    model = get_model("credentials")
    model.objects.filter(pk=creds.pk).update(params={"username": "root", "password": "other-pw-1"})
    assert sealed.unseal(_row(creds)["password"]) == "other-pw-1"
    (bulk,) = model.objects.bulk_create(
        [model(**extra_fields(model, name="bulk", params={"username": "u", "password": PASSWORD}))]
    )
    assert PASSWORD not in str(_row(bulk))
    assert reload(bulk).plain_params()["password"] == PASSWORD


def test_rotating_the_keys_with_the_reseal_command(capsys):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[old]):
        creds = credentials(username="root", password=PASSWORD)
    before = _row(creds)["password"]
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[new, old]):
        call_command("netjsonconfig_reseal")
    assert "1 credentials encrypted with the first key" in capsys.readouterr().out
    after = _row(creds)["password"]
    assert after != before
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[new]):
        assert reload(creds).plain_params()["password"] == PASSWORD
        with pytest.raises(ValidationError, match="cannot be decrypted"):
            get_model("credentials")(params={"username": "x", "password": before}).clean()


def test_reseal_names_the_credentials_no_key_reads():
    from django.core.management.base import CommandError

    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[Fernet.generate_key().decode()]):
        credentials(name="lost", username="root", password=PASSWORD)
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[Fernet.generate_key().decode()]):
        with pytest.raises(CommandError, match="lost"):
            call_command("netjsonconfig_reseal")


def test_bad_params_are_refused_by_the_model():
    model = get_model("credentials")
    bad = model(**extra_fields(model, name="bad", params={"username": "root"}))
    with pytest.raises(ValidationError, match="a required member is missing"):
        bad.full_clean()
    bad.params = ["not", "an", "object"]
    with pytest.raises(ValidationError, match="JSON object"):
        bad.full_clean()


def test_the_update_strategy_comes_from_the_backend_or_must_be_chosen():
    creds = credentials(username="root", password=PASSWORD)
    connection = connected_device(creds)
    assert connection.update_strategy == "openwrt"
    bare = DeviceFactory()
    orphan = get_model("deviceconnection")(device=bare, credentials=creds)
    with pytest.raises(ValidationError, match="choose an update strategy"):
        orphan.full_clean()
    twice = get_model("deviceconnection")(device=connection.device, credentials=creds)
    with pytest.raises(ValidationError):
        twice.full_clean()


def test_is_working_changed_says_what_changed(django_capture_on_commit_callbacks):
    connection = connected_device(credentials(username="root", password=PASSWORD))
    with catch_signal(signals.is_working_changed, django_capture_on_commit_callbacks) as sent:
        connection.is_working = False
        connection.failure_reason = "timed out"
        connection.save()
        connection.failure_reason = "refused"
        connection.save()  # the reason alone: no signal
    one = sent.one()
    assert one.sender is type(connection)
    assert one.kwargs == {
        "instance": connection,
        "is_working": False,
        "old_is_working": None,
        "failure_reason": "timed out",
        "old_failure_reason": "",
    }


def test_no_is_working_changed_when_a_connection_is_created(django_capture_on_commit_callbacks):
    creds = credentials(username="root", password=PASSWORD)
    with catch_signal(signals.is_working_changed, django_capture_on_commit_callbacks) as sent:
        get_model("deviceconnection").objects.create(
            device=device_with_config(), credentials=creds, is_working=True
        )
    sent.none()


def test_a_command_needs_an_enabled_connection_and_a_valid_input():
    device = device_with_config()
    with pytest.raises(ValidationError, match="no enabled connection"):
        commands.launch(device, "reboot")
    connection = connected_device(credentials(username="root", password=PASSWORD))
    with pytest.raises(ValidationError, match="input"):
        commands.launch(connection.device, "custom", {"command": ""})
    get_model("deviceconnection").objects.filter(pk=connection.pk).update(enabled=False)
    with pytest.raises(ValidationError, match="no enabled connection"):
        commands.launch(connection.device, "reboot")
    assert not get_model("command").objects.exists()


def test_a_change_password_input_waits_sealed(django_capture_on_commit_callbacks):
    connection = connected_device(credentials(username="root", password=PASSWORD))
    command = commands.launch(
        connection.device,
        "change_password",
        {"password": "brand-new-pw", "confirm_password": "brand-new-pw"},
    )
    row = get_model("command").objects.values_list("input", flat=True).get(pk=command.pk)
    assert "brand-new-pw" not in str(row)
    assert commands.unsealed_input(row)["password"] == "brand-new-pw"


def test_auto_add_credentials_reach_existing_and_new_devices(django_capture_on_commit_callbacks):
    existing = device_with_config()
    DeviceFactory()  # no config: left out
    model = get_model("credentials")
    with django_capture_on_commit_callbacks(execute=True):
        creds = model(
            **extra_fields(
                model, name="auto", params={"username": "root", "password": PASSWORD}, auto_add=True
            )
        )
        creds.save()
    connections = get_model("deviceconnection").objects.filter(credentials=creds)
    assert [c.device_id for c in connections] == [existing.pk]
    assert connections.get().update_strategy == "openwrt"
    with django_capture_on_commit_callbacks(execute=True):
        new = make_config().device
    assert connections.filter(device=new).exists()


def test_a_changed_config_marks_its_enabled_connections_for_a_push():
    creds = credentials(username="root", password=PASSWORD)
    on = connected_device(creds)
    off = connected_device(creds)
    model = get_model("deviceconnection")
    model.objects.filter(pk=off.pk).update(enabled=False)
    for connection in (on, off):
        config = connection.device.config
        config.config = {"general": {"timezone": "Europe/Paris"}}
        config.save()
    assert reload(on).push_requested is not None
    assert reload(off).push_requested is None
