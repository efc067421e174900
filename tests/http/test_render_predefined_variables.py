"""A change of a predefined variable re-renders the device's configuration.

The predefined variables (``id``, ``key``, ``name``, ``mac_address``, ``hardware_id``)
come from the device. Whichever way one changes (a re-registration, the admin, a save
through the ORM), the device's next poll gets a new checksum and the archive holds the
new value: a device re-registered with a new ``hardware_id`` used to be served the old
one.
"""

import gzip
import io
import tarfile

import pytest

from django_netjsonconfig.apps import get_model
from django_netjsonconfig.devices import configs
from django_netjsonconfig.rendering import context

from ..admin_helpers import device_form_data, errors_of
from ..agent import Agent, client_transport
from ..factories import DeviceFactory, TemplateFactory, make_config

pytestmark = pytest.mark.django_db

VARIABLES = "".join(f"{name}={{{{ {name} }}}}\n" for name in context.PREDEFINED)


@pytest.fixture(autouse=True)
def _hardware_ids(settings):
    settings.NETJSONCONFIG_HARDWARE_ID_ENABLED = True


@pytest.fixture
def template():
    return TemplateFactory(
        default=True,
        config={"files": [{"path": "/etc/ids", "mode": "0644", "contents": VARIABLES}]},
    )


def served_values(archive):
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive))) as tar:
        text = tar.extractfile("etc/ids").read().decode()
    return dict(line.split("=", 1) for line in text.splitlines())


def device_values(device):
    device = get_model("device").objects.get(pk=device.pk)
    return context.predefined_context(device)


def registered_agent(client, secret, **fields):
    agent = Agent(
        transport=client_transport(client),
        mac_address="00:11:22:33:44:55",
        shared_secret=secret,
        hostname="router-1",
        hardware_id="SN-0001",
        hardware_id_key=False,  # the key from the MAC: a new hardware id keeps it
        **fields,
    )
    agent.register()
    assert agent.cycle() == "applied"
    return agent


def device_of(agent):
    return get_model("device").objects.get(pk=agent.uuid)


def assert_new_archive(agent, before, changed):
    """The next poll gives a new checksum, and the archive holds the device's values."""
    previous = agent.checksum_stored
    assert agent.cycle() == "applied"
    assert agent.checksum_stored != previous
    served = served_values(agent.archive)
    assert served == device_values(device_of(agent))
    assert served[changed] != before[changed]
    config = get_model("config").objects.get(device_id=agent.uuid)
    assert configs.render(config).checksum == config.checksum_db  # nothing stale stored


def test_every_predefined_variable_is_rendered(client, secret, template):
    agent = registered_agent(client, secret)
    assert served_values(agent.archive) == device_values(device_of(agent))


# --- by re-registration ------------------------------------------------------------------
def test_a_new_hardware_id_by_registration(client, secret, template):
    agent = registered_agent(client, secret)
    before = served_values(agent.archive)
    agent.hardware_id = "SN-0002"
    agent.register()
    assert device_of(agent).hardware_id == "SN-0002"
    assert_new_archive(agent, before, "hardware_id")


def test_a_new_hostname_by_registration(client, secret, template):
    agent = registered_agent(client, secret)
    before = served_values(agent.archive)
    agent.hostname = "renamed-router"
    agent.register()
    assert_new_archive(agent, before, "name")


def test_a_new_key_by_registration(client, secret, template, settings):
    """A device reflashed after the shared secret changed comes back with another
    consistent key; it is adopted by its MAC and its key replaced."""
    agent = registered_agent(client, secret)
    before = served_values(agent.archive)
    settings.NETJSONCONFIG_SHARED_SECRET = agent.shared_secret = "another-secret"
    agent.register()
    assert device_of(agent).key == agent.key != before["key"]
    assert_new_archive(agent, before, "key")


def test_a_new_key_and_hardware_id_by_registration(client, secret, template):
    """With the key derived from the hardware id, both change at once."""
    agent = registered_agent(client, secret)
    agent.hardware_id_key = True
    agent.register()
    assert agent.cycle() == "applied"
    before = served_values(agent.archive)
    agent.hardware_id = "SN-0003"
    agent.register()
    assert_new_archive(agent, before, "key")
    assert served_values(agent.archive)["hardware_id"] == "SN-0003"


def test_a_new_id_after_the_device_was_deleted(client, secret, template):
    """The id cannot change on a device: a device deleted and registered again is a new
    device, with a new id, and its archive has it."""
    agent = registered_agent(client, secret)
    before = served_values(agent.archive)
    device_of(agent).delete()
    agent.register()
    assert agent.is_new and agent.uuid != before["id"].replace("-", "")
    assert_new_archive(agent, before, "id")


# --- in the admin ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value",
    [
        ("hardware_id", "SN-ADMIN"),
        ("name", "admin-renamed"),
        ("mac_address", "00:11:22:33:44:66"),
    ],
)
def test_a_change_in_the_admin(admin_client, client, secret, template, field, value):
    agent = registered_agent(client, secret)
    before = served_values(agent.archive)
    url, data = device_form_data(admin_client, device_of(agent))
    data[field] = value
    response = admin_client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert getattr(device_of(agent), field) == value
    assert_new_archive(agent, before, field)


# --- through the ORM --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "field, value",
    [
        ("hardware_id", "SN-ORM"),
        ("name", "orm-renamed"),
        ("mac_address", "00:11:22:33:44:77"),
        ("key", "a" * 32),
    ],
)
def test_a_change_saved_through_the_orm(client, secret, template, field, value):
    agent = registered_agent(client, secret)
    before = served_values(agent.archive)
    device = device_of(agent)
    setattr(device, field, value)
    device.save()
    if field == "key":
        agent.key = value
    assert_new_archive(agent, before, field)


def test_each_predefined_variable_comes_from_a_tracked_device_field():
    """The class closed: a device saved with any of them changed is re-rendered."""
    device_model = get_model("device")
    for name in context.PREDEFINED:
        field = context.PREDEFINED_FIELDS[name]
        assert field in device_model.tracked_fields, name
    device = DeviceFactory()
    config = make_config(device)
    values = {
        "hardware_id": "HW",
        "name": "other-name",
        "mac_address": "00:AA:00:AA:00:AA",
        "key": "b" * 32,
    }
    for field, value in values.items():
        device = get_model("device").objects.get(pk=device.pk)
        setattr(device, field, value)
        with_template = TemplateFactory(
            config={"files": [{"path": "/x", "mode": "0644", "contents": f"{{{{ {field} }}}}"}]}
        )
        configs.add_templates(config, [with_template])
        config.refresh_from_db()
        checksum = config.checksum_db
        device.save()
        config.refresh_from_db()
        assert config.checksum_db != checksum, field
        configs.save(config, templates=[])  # back to no template
