"""The REST API's device list at scale: every page of ``controller/device/``, filtered.

Run from the repository root (a throw-away test database is created and destroyed;
``TEST_DATABASE_URL=postgres://...`` for PostgreSQL)::

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -m bench.bench_api --devices 10000

It inserts ``--devices`` devices (in bulk), each with a config on one template, then
reads every page of ``--page-size`` devices through the API as a client with a Bearer
token would (Django's test client, in this process: the view, the serializers, the
queries and the authentication, not the network), for each filter of ``FILTERS``. It
prints, per filter, the queries of each page (they must be the same on every page,
whatever the number of devices: the run fails otherwise) and the time per page (median
and 95th percentile), then markdown table rows for docs/benchmarks.md.
"""

import argparse
import os
import platform
import shlex
import statistics
import sys
import time
import uuid

FILTERS = {
    "none": "",
    "status": "config__status=modified",
    "template": "config__templates={template}",
    "name": "name=bench-1",
    "created": "created__gte=2000-01-01T00:00:00Z",
}


def setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    return connection.creation.create_test_db(verbosity=0, autoclobber=True)


def seed(count):
    """``count`` devices with a config on the template ``bench-api``, in bulk (no
    render: a list reads the stored rows only)."""
    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.devices import relations

    template_model, device_model = get_model("template"), get_model("device")
    config_model = get_model("config")
    template = template_model.objects.create(
        name="bench-api", backend="netjsonconfig.OpenWrt", config={"general": {}}
    )
    for start in range(0, count, 2000):
        numbers = range(start, min(count, start + 2000))
        devices = [
            device_model(
                id=uuid.uuid4(),
                name=f"bench-{n}",
                mac_address=f"02:00:{(n >> 24) & 255:02X}:{(n >> 16) & 255:02X}:"
                f"{(n >> 8) & 255:02X}:{n & 255:02X}",
                key=uuid.uuid4().hex,
            )
            for n in numbers
        ]
        device_model.objects.bulk_create(devices)
        configs = [
            config_model(device=d, backend="netjsonconfig.OpenWrt", status="modified")
            for d in devices
        ]
        config_model.objects.bulk_create(configs)
        relations.bulk_add(config_model.objects.filter(device__in=devices), template)
    return template


def client():
    from django.contrib.auth import get_user_model
    from knox.models import get_token_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_superuser("bench-api", "b@example.com", "x")
    _instance, token = get_token_model().objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def pages(api, query, page_size):
    """``[(queries, seconds)]`` of every page of the list with ``query``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    out, page = [], 1
    while True:
        url = f"/api/v1/controller/device/?page_size={page_size}&page={page}&{query}"
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = api.get(url)
            elapsed = time.perf_counter() - started
        if response.status_code != 200:
            sys.exit(f"{url}: {response.status_code} {response.content[:200]!r}")
        out.append((len(captured), elapsed))
        if not response.json()["next"]:
            return out
        page += 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args(argv)
    test_db = setup()
    from django.db import connection

    try:
        template = seed(args.devices)
        api = client()
        rows, failed = [], False
        for label, query in FILTERS.items():
            results = pages(api, query.format(template=template.pk), args.page_size)
            counts = sorted({q for q, _t in results})
            times = sorted(t for _q, t in results)
            median = statistics.median(times) * 1000
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))] * 1000
            # the last page may be shorter, never different in queries
            constant = len(counts) == 1
            failed |= not constant
            print(
                f"{label:10} pages={len(results):5} queries/page={counts} "
                f"median={median:.1f} ms p95={p95:.1f} ms {'ok' if constant else 'NOT CONSTANT'}"
            )
            rows.append(
                f"| {label} | {args.devices} | {len(results)} | {counts[0]} | "
                f"{median:.1f} | {p95:.1f} |"
            )
        print()
        print("| filter | devices | pages | queries per page | median ms | p95 ms |")
        print("|---|---|---|---|---|---|")
        print("\n".join(rows))
        print()
        print(f"{connection.vendor}, Python {platform.python_version()}")
        print("Command: " + shlex.join(["python", "-m", "bench.bench_api", *sys.argv[1:]]))
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
