"""Commands sent to devices: the registry of command types, launching, running.

A command type is a name and a spec: ``label``, ``schema`` (a JSON schema of the
input, checked when registered) and ``callable``, which gets the input's members as
keyword arguments and returns the shell string to run, or a ``(shell, stdin)`` pair
to hand a secret to the command on its standard input (never on a command line that
``ps`` or a log could show). ``register_command`` and ``unregister_command`` are the
public way; ``NETJSONCONFIG_USER_COMMANDS`` (``[(name, spec), ...]``) registers from
the settings when the app starts.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Callable
from typing import Any

import jsonschema
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..apps import get_model
from ..base import sealed
from ..base.connection import MASK
from ..settings import app_settings
from . import sessions

logger = logging.getLogger("django_netjsonconfig.connection")

#: input members handed to the command's callable but never kept in plain text
SECRET_INPUT = ("password", "confirm_password")

_commands: dict[str, dict[str, Any]] = {}
_from_settings: set[str] = set()


def _custom(command: str) -> str:
    return command


def _reboot() -> str:
    return "reboot"


def _change_password(password: str, confirm_password: str, user: str = "root") -> tuple[str, str]:
    return f"passwd {shlex.quote(user)}", f"{password}\n{password}\n"


BUILT_IN: dict[str, dict[str, Any]] = {
    "custom": {
        "label": "Custom commands",
        "schema": {
            "type": "object",
            "title": "Custom commands",
            "properties": {"command": {"type": "string", "minLength": 1, "pattern": r"\S"}},
            "required": ["command"],
            "additionalProperties": False,
        },
        "callable": _custom,
    },
    "reboot": {"label": "Reboot", "schema": {"type": "null"}, "callable": _reboot},
    "change_password": {
        "label": "Change password",
        "schema": {
            "type": "object",
            "properties": {
                "password": {"type": "string", "minLength": 6, "maxLength": 30, "pattern": r"\S"},
                "confirm_password": {"type": "string", "minLength": 6, "maxLength": 30},
                "user": {"type": "string", "pattern": r"^[a-z_][a-z0-9_-]{0,31}$"},
            },
            "required": ["password", "confirm_password"],
            "additionalProperties": False,
        },
        "callable": _change_password,
    },
}


def register_command(name: str, spec: dict[str, Any]) -> None:
    """Register the command type ``name``; ImproperlyConfigured when the name is taken
    or the spec is not ``{label, schema, callable}`` with a valid JSON schema."""
    if not isinstance(name, str) or not name or len(name) > 32:
        raise ImproperlyConfigured(f"a command name is a string of 1 to 32 characters: {name!r}")
    if name in _commands:
        raise ImproperlyConfigured(f'a command named "{name}" is already registered')
    if not isinstance(spec, dict) or not {"label", "schema", "callable"} <= set(spec):
        raise ImproperlyConfigured(
            f'command "{name}": the spec must be a dict with "label", "schema" and "callable"'
        )
    if not callable(spec["callable"]):
        raise ImproperlyConfigured(f'command "{name}": "callable" is not callable')
    try:
        jsonschema.validators.validator_for(spec["schema"]).check_schema(spec["schema"])
    except jsonschema.SchemaError as exc:
        raise ImproperlyConfigured(f'command "{name}": invalid schema: {exc.message}') from None
    _commands[name] = dict(spec)


def unregister_command(name: str) -> None:
    """Remove the command type ``name``; ImproperlyConfigured when there is none."""
    if name not in _commands:
        raise ImproperlyConfigured(f'no command named "{name}" is registered')
    del _commands[name]


def get_command(name: str) -> dict[str, Any]:
    return _commands[name]


def choices() -> list[tuple[str, str]]:
    return [(name, str(spec["label"])) for name, spec in _commands.items()]


def register_builtins_and_settings() -> None:
    """The built-in commands and ``NETJSONCONFIG_USER_COMMANDS`` (idempotent)."""
    for name, spec in BUILT_IN.items():
        if name not in _commands:
            register_command(name, spec)
    for name in _from_settings:
        _commands.pop(name, None)
    _from_settings.clear()
    for entry in app_settings.USER_COMMANDS or ():
        try:
            name, spec = entry
        except (TypeError, ValueError):
            raise ImproperlyConfigured(
                "NETJSONCONFIG_USER_COMMANDS lists (name, spec) pairs, not " + repr(entry)
            ) from None
        if isinstance(spec, dict) and isinstance(spec.get("callable"), str):
            spec = dict(spec, callable=import_string(spec["callable"]))
        register_command(name, spec)
        _from_settings.add(name)


def clean_input(type_: str, value: Any) -> None:
    """ValidationError when ``value`` is not a valid input of the command ``type_``."""
    if type_ not in _commands:
        raise ValidationError({"type": _("unknown command type: %s") % type_})
    value = unsealed_input(value)
    try:
        jsonschema.validate(value, _commands[type_]["schema"])
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        message = exc.message if type_ != "change_password" else _secret_message(exc)
        raise ValidationError({"input": f"{where + ': ' if where else ''}{message}"}) from None
    if type_ == "change_password" and value["password"] != value["confirm_password"]:
        raise ValidationError({"input": _("the two passwords differ")})


def _secret_message(exc: jsonschema.ValidationError) -> str:
    # the schema's message quotes the value: never a password
    return {
        "minLength": _("too short"),
        "maxLength": _("too long"),
        "pattern": _("not a valid value"),
    }.get(str(exc.validator), exc.message if exc.validator != "type" else _("wrong type"))


def sealed_input(value: Any) -> Any:
    """``value`` with its secrets sealed (what a command row keeps until it runs)."""
    if not isinstance(value, dict):
        return value
    return {
        k: sealed.seal(v) if k in SECRET_INPUT and isinstance(v, str) else v
        for k, v in value.items()
    }


def unsealed_input(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {
        k: sealed.unseal(v) if k in SECRET_INPUT and isinstance(v, str) else v
        for k, v in value.items()
    }


def masked_input(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return {k: MASK if k in SECRET_INPUT else v for k, v in value.items()}


def shell_of(type_: str, value: Any) -> tuple[str, str | None]:
    """The shell string of a command and what it reads on its standard input."""
    function: Callable[..., Any] = _commands[type_]["callable"]
    value = unsealed_input(value)
    result = function(**value) if isinstance(value, dict) else function()
    if isinstance(result, tuple):
        return str(result[0]), str(result[1])
    return str(result), None


def launch(device: Any, type_: str, input: Any = None, user: Any = None) -> Any:  # noqa: A002
    """Create the command ``type_`` for ``device`` (validated: ValidationError for a bad
    input or a device without an enabled connection); it runs in the background once the
    transaction commits. Returns the Command."""
    command = get_model("command")(
        device=device,
        type=type_,
        input=input,
        created_by=user if getattr(user, "pk", None) else None,
    )
    command.full_clean(exclude=["connection", "created_by"])
    command.input = sealed_input(input)
    command.save()
    return command


def _append(pk: Any, text: str) -> None:
    get_model("command").objects.filter(pk=pk).update(output=Concat(F("output"), Value(text)))


def run(command_id: str) -> str | None:
    """Run a command still in progress (the background task); its final status."""
    model = get_model("command")
    command = model.objects.select_related("device").filter(pk=command_id).first()
    if command is None or command.status != "in-progress":
        return None if command is None else command.status
    status, exit_code, tail = "failed", None, ""
    try:
        shell, stdin = shell_of(command.type, command.input)
        with sessions.working_session(command.device) as (connection, ssh):
            model.objects.filter(pk=command.pk).update(connection=connection)
            result = ssh.exec(
                shell,
                stdin=stdin,
                timeout=app_settings.SSH_COMMAND_TIMEOUT,
                max_output=app_settings.COMMAND_OUTPUT_MAX,
                on_output=lambda chunk: _append(command.pk, chunk),
            )
        exit_code = result.exit_code
        if result.truncated:
            tail += "\n" + _("[output truncated at %d characters]") % result.limit
        if result.timed_out:
            tail += "\n" + _("Command timed out after %s seconds") % result.timeout
        elif exit_code == 0:
            status = "success"
        else:
            tail += "\n" + _('Command "%(c)s" returned non-zero exit code: %(n)s') % {
                "c": command.type,
                "n": exit_code,
            }
    except sessions.NoWorkingConnection as exc:
        tail = str(exc)
    except Exception as exc:  # noqa: BLE001 - the command fails, the worker goes on
        logger.warning("command %s failed: %s", command.pk, type(exc).__name__)
        tail = _("the command failed: %s") % type(exc).__name__
    if tail:
        written = model.objects.filter(pk=command.pk).values_list("output", flat=True).first()
        _append(command.pk, tail if written else tail.lstrip("\n"))
    fields: dict[str, Any] = {"status": status, "exit_code": exit_code}
    if command.type == "change_password" or any(
        k in SECRET_INPUT for k in (command.input or {}) if isinstance(command.input, dict)
    ):
        fields["input"] = masked_input(command.input)
    model.objects.filter(pk=command.pk).update(**fields)
    return status
