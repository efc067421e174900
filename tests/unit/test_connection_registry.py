"""The registries of acting on devices (command types, connectors) and the encryption
of secrets, called directly."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings

from django_netjsonconfig.base import sealed
from django_netjsonconfig.base.connection import fingerprint
from django_netjsonconfig.connection import commands, connectors

SPEC = {
    "label": "Ping",
    "schema": {
        "type": "object",
        "properties": {"host": {"type": "string", "pattern": "^[a-z0-9.-]+$"}},
        "required": ["host"],
    },
    "callable": lambda host: f"ping -c 1 {host}",
}


@pytest.fixture
def ping():
    commands.register_command("ping", SPEC)
    yield
    commands.unregister_command("ping")


def test_a_registered_command_validates_its_input_and_builds_its_shell(ping):
    assert ("ping", "Ping") in commands.choices()
    commands.clean_input("ping", {"host": "example.org"})
    assert commands.shell_of("ping", {"host": "example.org"}) == ("ping -c 1 example.org", None)
    with pytest.raises(ValidationError) as error:
        commands.clean_input("ping", {"host": "x; rm -rf /"})
    assert "does not match" in str(error.value)


def test_a_name_taken_or_unknown_is_improperly_configured(ping):
    with pytest.raises(ImproperlyConfigured, match='"ping" is already registered'):
        commands.register_command("ping", SPEC)
    with pytest.raises(ImproperlyConfigured, match='no command named "pong"'):
        commands.unregister_command("pong")


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"label": "x", "schema": {}}, "must be a dict with"),
        ({"label": "x", "schema": {"type": "nope"}, "callable": str}, "invalid schema"),
        ({"label": "x", "schema": {}, "callable": "not callable"}, "not callable"),
    ],
)
def test_a_bad_spec_is_refused(spec, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        commands.register_command("bad", spec)
    assert "bad" not in dict(commands.choices())


def test_user_commands_from_the_settings():
    spec = dict(SPEC, schema={"type": "object"}, callable="shlex.join")
    with override_settings(NETJSONCONFIG_USER_COMMANDS=[("quote", spec)]):
        commands.register_builtins_and_settings()
        assert commands.shell_of("quote", {"split_command": ["a b"]}) == ("'a b'", None)
    commands.register_builtins_and_settings()
    assert "quote" not in dict(commands.choices())
    with override_settings(NETJSONCONFIG_USER_COMMANDS=["nonsense"]):
        with pytest.raises(ImproperlyConfigured, match="pairs"):
            commands.register_builtins_and_settings()
    commands.register_builtins_and_settings()


@pytest.mark.parametrize(
    "type_, value",
    [
        ("custom", {}),
        ("custom", {"command": "   "}),
        ("custom", {"command": "ls", "extra": 1}),
        ("reboot", {"now": True}),
        ("change_password", {"password": "pw123", "confirm_password": "pw123"}),
        ("change_password", {"password": "long-enough-1", "confirm_password": "other-one-2"}),
        ("change_password", {"password": "x" * 31, "confirm_password": "x" * 31}),
        ("nope", None),
    ],
)
def test_bad_input_is_a_validation_error_that_quotes_no_password(type_, value):
    with pytest.raises(ValidationError) as error:
        commands.clean_input(type_, value)
    for secret in ("pw123", "long-enough-1", "x" * 31):
        assert secret not in str(error.value)


def test_change_password_hands_the_password_on_standard_input():
    shell, stdin = commands.shell_of(
        "change_password", {"password": "s3cret-pw", "confirm_password": "s3cret-pw"}
    )
    assert shell == "passwd root"
    assert stdin == "s3cret-pw\ns3cret-pw\n"


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"username": "root"}, "a required member is missing"),
        ({"username": "root", "password": "abc"}, "too short"),
        ({"username": "root", "password": "secret-1", "port": 0}, "too small"),
        ({"username": "root", "password": "secret-1", "port": "22"}, "wrong type"),
        ({"username": "root", "key": "short-key"}, "too short"),
        ({"username": "root", "password": "secret-1", "extra": True}, "unexpected member"),
    ],
)
def test_bad_ssh_params_are_refused_without_quoting_them(params, expected):
    with pytest.raises(ValidationError) as error:
        connectors.clean_params("ssh", params)
    assert expected in str(error.value)
    assert "secret-1" not in str(error.value)


def test_good_ssh_params_pass():
    connectors.clean_params("ssh", {"username": "root", "password": "secret-1"})
    connectors.clean_params("ssh", {"username": "root", "key": "k" * 64, "port": 2222})
    with pytest.raises(ValidationError, match="unknown connection type"):
        connectors.clean_params("telnet", {})


KEY1, KEY2 = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def test_secrets_round_trip_and_rotate():
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[KEY1]):
        token = sealed.seal("p4ssword")
        assert token.startswith("fernet:") and "p4ssword" not in token
        assert sealed.unseal(token) == "p4ssword"
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[KEY2, KEY1]):
        assert sealed.unseal(token) == "p4ssword"  # the old key still decrypts
        rotated = sealed.reseal(token)
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[KEY2]):
        assert sealed.unseal(rotated) == "p4ssword"
        with pytest.raises(sealed.SecretUnreadable, match="cannot be decrypted"):
            sealed.unseal(token)


def test_without_keys_a_key_derived_from_secret_key_is_used():
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=(), SECRET_KEY="one"):
        token = sealed.seal("p4ssword")
        assert sealed.unseal(token) == "p4ssword"
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=(), SECRET_KEY="two"):
        with pytest.raises(sealed.SecretUnreadable):
            sealed.unseal(token)


def test_params_seal_only_their_secrets():
    params = sealed.seal_params({"username": "root", "password": "p4ssword", "port": 22})
    assert params["username"] == "root" and params["port"] == 22
    assert sealed.is_sealed(params["password"])
    assert sealed.seal_params(params) == params  # sealed once
    assert sealed.unseal_params(params)["password"] == "p4ssword"
    assert sealed.masked_params(params)["password"] == "********"


def test_fingerprint_is_openssh_sha256():
    blob = b"\x00\x00\x00\x0bssh-ed25519" + b"\x01" * 36
    key = "ssh-ed25519 " + base64.b64encode(blob).decode()
    import hashlib

    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    assert fingerprint(key) == f"SHA256:{digest}"
    assert fingerprint("") == ""
    assert fingerprint("ssh-ed25519 !!!") == "invalid key"


def test_the_checks_of_the_credentials_keys():
    from django_netjsonconfig import checks

    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=[KEY1, "not-a-key"]):
        (error,) = checks.check_credentials_keys()
        assert error.id == "django_netjsonconfig.E007"
        assert "position 1" in error.msg and "not-a-key" not in error.msg
        assert checks.check_credentials_keys_set() == []
    with override_settings(NETJSONCONFIG_CREDENTIALS_KEYS=()):
        assert checks.check_credentials_keys() == []
        (warning,) = checks.check_credentials_keys_set()
        assert warning.id == "django_netjsonconfig.W004"
