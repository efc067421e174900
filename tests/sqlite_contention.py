"""A group's templates change in the admin while the group's devices re-register.

Run in a process of its own (``python -m tests.sqlite_contention ROUNDS DEVICES``)
with the settings that ``DJANGO_SETTINGS_MODULE`` names, on a fresh database file:
tests/integration/test_sqlite_default_settings.py runs it with Django's default SQLite settings.

Each round, an administrator posts the group's change form with the other of two
templates while every device of the group re-registers, each in a thread of its own
with its own database connection, as the threads of a web server; the embedded
fan-out thread re-renders the group's configs meanwhile. The last line printed is
a JSON summary: the failures of each round (status and error) and the state at the
end (the configs' templates, the errors logged by the background work).
"""

import json
import logging
import sys
import threading
import traceback


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        message = f"{record.name}: {record.getMessage()}"
        if record.exc_info:
            message += ": " + _error(record.exc_info[1])
        self.records.append(message)


def _error(exc):
    return "".join(traceback.format_exception_only(exc)).strip()[:300]


def main(rounds, devices):
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import setup_test_environment

    from django_netjsonconfig import queue as background
    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.fleet import fanout
    from tests.admin_helpers import admin_url, form_data
    from tests.agent import Agent as DeviceAgent
    from tests.agent import AgentError, client_transport
    from tests.factories import extra_fields

    setup_test_environment()  # the test client records the admin form in the context
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    call_command("migrate", verbosity=0, interactive=False)
    from django.conf import settings

    secret = settings.NETJSONCONFIG_SHARED_SECRET
    template_model, group_model = get_model("template"), get_model("devicegroup")
    first, second = (
        template_model.objects.create(
            **extra_fields(
                template_model,
                name=name,
                backend="netjsonconfig.OpenWrt",
                config={"general": {"description": name}},
            )
        )
        for name in ("first", "second")
    )
    group = group_model.objects.create(**extra_fields(group_model, name="branch"))
    group.templates.set([first])
    agents = []
    for n in range(devices):
        agent = DeviceAgent(
            transport=client_transport(
                # a 500 is an answer, as for a device (the test client would otherwise
                # re-raise any thread's exception in every thread)
                Client(REMOTE_ADDR=f"192.168.1.{10 + n}", raise_request_exception=False)
            ),
            mac_address=f"00:11:22:33:44:{n:02x}",
            hostname=f"router-{n}",
            shared_secret=secret,
        )
        agent.register()
        agents.append(agent)
    get_model("device").objects.filter(pk__in=[a.uuid for a in agents]).update(group=group)
    for config in get_model("config").objects.filter(device__group=group):
        config.templates.add(first)
    fanout.wait_for_thread(30)
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "x")
    admin_client = Client(raise_request_exception=False)
    admin_client.force_login(admin)
    url = admin_url("devicegroup", "change", group.pk)
    connections.close_all()

    failures = []
    for number in range(rounds):
        wanted = second if number % 2 == 0 else first
        data = form_data(admin_client.get(url))
        data["templates"] = str(wanted.pk)
        barrier = threading.Barrier(devices + 1)
        outcome = {}
        logged = len(errors.records)

        def change_group(data=data, barrier=barrier, outcome=outcome):
            try:
                barrier.wait()
                response = admin_client.post(url, data)
                if response.status_code != 302:
                    outcome["admin"] = f"HTTP {response.status_code}"
            finally:
                connections.close_all()

        def reregister(agent, barrier=barrier, outcome=outcome):
            try:
                barrier.wait()
                agent.register()
            except AgentError as exc:
                outcome[agent.name] = f"HTTP {exc.status}: {exc.body[:200]!r}"
            finally:
                connections.close_all()

        threads = [threading.Thread(target=change_group)]
        threads += [threading.Thread(target=reregister, args=(a,)) for a in agents]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        if outcome:
            failures.append(
                {"round": number, "failed": outcome, "logged": errors.records[logged:][:5]}
            )

    fanout.wait_for_thread(60)
    background.wait(60)
    group.refresh_from_db()
    final = [t.name for t in group.templates.all()]
    configs = {
        str(c.device_id): [t.name for t in c.templates.all()]
        for c in get_model("config").objects.filter(device__group=group)
    }
    print(
        json.dumps(
            {
                "rounds": rounds,
                "failures": failures,
                "group_templates": final,
                "config_templates": configs,
                "logged_errors": errors.records[:20],
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
