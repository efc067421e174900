"""The columns of a file of devices (see ``io.importexport`` for what each holds)."""

from ..settings import app_settings

FORMATS = ("csv", "json")
TEXT_FIELDS = ("name", "mac_address", "hardware_id", "model", "os", "system", "notes")
REQUIRED = ("name", "mac_address")


def columns() -> list[str]:
    names = ["name", "mac_address", "group", "model", "os", "system", "notes"]
    if app_settings.HARDWARE_ID_ENABLED:
        names.insert(2, "hardware_id")
    return names + ["backend", "templates", "context", "config"]
