"""Small helpers shared by the tests: a device's requests, the rows they change, the
archives they get. Each is written here once; a test module imports what it uses."""

import io
import tarfile
from typing import TYPE_CHECKING, Any

from django.db.models import Model
from django.test import Client

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs

from .factories import OPENWRT, DeviceFactory, make_config

if TYPE_CHECKING:  # what the test client answers (django-stubs names it)
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse
else:
    from django.http import HttpResponse as TestResponse


# --- a device's requests ---------------------------------------------------------------
def register(client: Client, shared_secret: str, **overrides: Any) -> TestResponse:
    """A device registering: POST /controller/register/ (``overrides`` replace fields)."""
    data = {
        "secret": shared_secret,
        "name": "router-1",
        "mac_address": "00:11:22:33:44:55",
        "backend": OPENWRT,
    }
    data.update(overrides)
    return client.post("/controller/register/", data)


def poll(client: Client, device: Any, pk: str | None = None, **params: Any) -> TestResponse:
    """A device's poll: GET /controller/checksum/<pk>/ with its key and ``params``.

    ``pk`` defaults to the dashed form of the device's id; the agent's hex form
    (``device.pk.hex``) is the one the poll cache answers without a query."""
    pk = str(device.pk) if pk is None else pk
    return client.get(f"/controller/checksum/{pk}/", {"key": device.key, **params})


def polled_checksum(client: Client, device: Any) -> str:
    """The checksum a poll of ``device`` answers (the poll must succeed)."""
    response = poll(client, device)
    assert response.status_code == 200
    return response.content.decode()


def report_status(
    client: Client, device: Any, status: str | None = None, **data: Any
) -> TestResponse:
    """A device's status report: POST /controller/report-status/<pk>/ with its key
    (unless ``data`` gives one)."""
    data.setdefault("key", device.key)
    if status is not None:
        data["status"] = status
    return client.post(f"/controller/report-status/{device.pk}/", data)


def parse_lines(response: TestResponse) -> dict[str, str]:
    """``a: b\\nc: d\\n`` -> ``{"a": "b", "c": "d"}``."""
    text = response.content.decode()
    return dict(line.split(": ", 1) for line in text.strip().splitlines())


def assert_refused(response: TestResponse, status: int, text: str) -> None:
    """A device endpoint's refusal: the status, the controller header, the reason."""
    assert response.status_code == status, response.content
    assert response["X-Openwisp-Controller"] == "true"
    assert text in response.content.decode()


# --- rows --------------------------------------------------------------------------------
def device_with_config(**config_kwargs: Any) -> Any:
    """A new device with a config (``config_kwargs``), read back with its config."""
    device: Any = DeviceFactory()
    make_config(device, **config_kwargs)
    return get_model("device").objects.select_related("config").get(pk=device.pk)


def reload(instance: Model) -> Any:
    """A fresh copy of ``instance`` from the database: nothing cached on it."""
    return type(instance)._default_manager.get(pk=instance.pk)


def config_of(device: Any) -> Any:
    """The config of ``device`` (a device, or its id), fresh from the database."""
    pk = getattr(device, "pk", device)
    return get_model("config").objects.select_related("device").get(device__pk=pk)


def templates_of(device: Any) -> list[str]:
    """The names of the templates of ``device``'s config, in their order."""
    return [t.name for t in config_of(device).templates.all()]


def applied(config: Any) -> Any:
    """``config``, marked applied as a device's report would (returned)."""
    configs.set_status(config, "applied")
    return config


def edit_timezone(template: Any, timezone: str) -> None:
    """Save ``template`` with a configuration that sets only the timezone."""
    template.config = {"general": {"timezone": timezone}}
    template.save()


# --- archives ----------------------------------------------------------------------------
def members(archive: bytes) -> dict[str, bytes | None]:
    """``{name: bytes}`` of every member of a tar.gz archive (None for a member that is
    not a file); each file's bytes are as long as its header says."""
    out: dict[str, bytes | None] = {}
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
        for member in tar.getmembers():
            extracted = tar.extractfile(member) if member.isfile() else None
            data = extracted.read() if extracted else None
            assert data is None or len(data) == member.size, member.name
            out[member.name] = data
    return out


def archive_files(archive: bytes) -> dict[str, str]:
    """``{path: text}`` of the files of a tar.gz archive."""
    return {name: data.decode() for name, data in members(archive).items() if data is not None}
