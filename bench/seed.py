"""The Django side of the benchmarks: bulk set-up, checks and in-process measures.

Run by ``bench.run`` in a subprocess whose environment selects the site
(``DATABASE_URL``, ``REDIS_URL``, ``NETJSONCONFIG_VAR_DIR``), as the web
server's is: ``DJANGO_SETTINGS_MODULE=demo.settings python -m bench.seed CMD ...``.

Commands:

* ``seed --devices N --renders FILE --out FILE``: devices ``0..N-1`` (the ones
  missing), each with a config on the template ``bench-base`` and its rendered
  archive and checksum, inserted with ``bulk_create``. The archives come from
  ``devices.configs.render`` (the function the server renders with), in a pool
  of processes, and are kept in ``--renders`` for the next database of the run.
  ``--small M`` adds devices on the template ``bench-small`` as well. ``--out``
  gets one line per device: ``<hex id> <key> <checksum> <address>``.
  ``--with-address``: the devices have already polled from their address
  (``--fresh K``: all but the first K).
* ``expect --devices N --renders FILE --out FILE``: the checksums the devices
  will have once ``bench-base`` is edited as :data:`EDITED_CONFIG` says.
* ``check --expected FILE``: whether every stored checksum equals the expected
  one and is the MD5 of the stored archive; how many renders are pending.
* ``watch --expected FILE``: ``check`` until it is right (or ``--timeout``).
* ``queries``: the queries of the admin request that edits a template used by
  ``bench-small``'s devices, then one used by every device (Django's test
  client, in this process; the fan-out runs as the site's mode says).
* ``admin --password P``: the administrator ``bench-admin``; the template ids.
* ``count``: devices, configs, duplicate MACs and keys.
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import pickle
import random
import sys
import time
import uuid

SECRET_ENV = "NETJSONCONFIG_SHARED_SECRET"
BACKEND = "netjsonconfig.OpenWrt"
TEMPLATE = "bench-base"
SMALL_TEMPLATE = "bench-small"
SMALL_BASE = 900_000_000  # device numbers of the bench-small devices

BASE_CONFIG = {
    "general": {"timezone": "UTC"},
    "interfaces": [
        {
            "name": "wan",
            "type": "ethernet",
            "addresses": [{"proto": "dhcp", "family": "ipv4"}],
        },
        {
            "name": "lan",
            "type": "ethernet",
            "addresses": [
                {"proto": "static", "family": "ipv4", "address": "{{ lan_ip }}", "mask": 24}
            ],
        },
    ],
    "dns_servers": ["{{ dns_server }}"],
    "ntp": {"enabled": True, "enable_server": False, "server": ["0.openwrt.pool.ntp.org"]},
}
BASE_DEFAULTS = {"lan_ip": "192.168.1.1", "dns_server": "9.9.9.9"}
# the template of the devices of the query count (another default template: a device
# registering gets both, so it must merge with the base one)
SMALL_CONFIG = {
    "ntp": {"enabled": True, "enable_server": False, "server": ["1.openwrt.pool.ntp.org"]}
}
# the edit of the fan-out benchmark: every device's archive changes
EDITED_CONFIG = {**BASE_CONFIG, "dns_servers": ["{{ dns_server }}", "1.1.1.1"]}


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo.settings")
    import django

    django.setup()


# --- the devices ---------------------------------------------------------------------------
def device_fields(number, secret):
    """The identity of device ``number``: the same in every database of a run."""
    digest = hashlib.md5(f"bench-device-{number}".encode()).digest()
    device_id = uuid.UUID(bytes=digest, version=4)
    mac = ":".join(f"{b:02X}" for b in b"\x02" + number.to_bytes(5, "big"))
    key = hashlib.md5(f"{mac}+{secret}".encode()).hexdigest()  # the consistent key
    return {
        "id": device_id,
        "name": f"bench-{number:06d}",
        "mac_address": mac,
        "key": key,
        "model": "TL-WDR4300",
        "os": "OpenWrt 23.05",
        "system": "Atheros AR9344",
    }


def device_address(number):
    """The address device ``number`` polls from: its own, in 127.0.0.0/8 (loopback only)."""
    return f"127.{1 + (number >> 16)}.{(number >> 8) & 255}.{number & 255}"


def device_context(number):
    return {"lan_ip": f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.1"}


_template = None


def _init_worker(template_config, template_defaults):
    global _template
    from django_netjsonconfig.apps import get_model

    _template = get_model("template")(
        name=TEMPLATE, backend=BACKEND, config=template_config, default_values=template_defaults
    )


def _render_chunk(numbers):
    """Render the configs of ``numbers`` (in a pool process): [(number, checksum, archive)]."""
    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.devices import configs

    device_model, config_model = get_model("device"), get_model("config")
    secret = os.environ[SECRET_ENV]
    out = []
    for number in numbers:
        device = device_model(**device_fields(number, secret))
        config = config_model(device=device, backend=BACKEND, config={})
        config.context = device_context(number)
        rendered = configs.render(config, templates=[_template], device=device, group=None)
        out.append((number, rendered.checksum, rendered.archive))
    return out


def render_many(numbers, template_config, processes):
    """{number: (checksum, archive)} rendered by ``devices.configs.render``."""
    from django.db import connections

    connections.close_all()  # nothing of the database goes into the pool
    chunks = [numbers[i : i + 500] for i in range(0, len(numbers), 500)]
    out = {}
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(processes, _init_worker, (template_config, BASE_DEFAULTS)) as pool:
        for chunk in pool.imap_unordered(_render_chunk, chunks):
            for number, checksum, archive in chunk:
                out[number] = (checksum, archive)
    return out


def load_renders(path, numbers, template_config, processes):
    """The renders of ``numbers``, from ``path`` when there, else made and saved there."""
    cached = {}
    if path and os.path.exists(path):
        with open(path, "rb") as fh:
            cached = pickle.load(fh)
    missing = [n for n in numbers if n not in cached]
    if missing:
        started = time.perf_counter()
        cached.update(render_many(missing, template_config, processes))
        elapsed = time.perf_counter() - started
        print(
            f"rendered {len(missing)} configs in {elapsed:.1f} s "
            f"({len(missing) / elapsed:.0f}/s, {processes} processes)",
            flush=True,
        )
        if path:
            with open(path, "wb") as fh:
                pickle.dump(cached, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return cached


def ensure_template(name, config, defaults, default):
    from django_netjsonconfig.apps import get_model

    template_model = get_model("template")
    template = template_model.objects.filter(name=name).first()
    if template is None:
        template = template_model(
            name=name, backend=BACKEND, config=config, default_values=defaults, default=default
        )
        template.full_clean()
        template.save()
    return template


def insert(numbers, renders, template, secret, with_address=False):
    """bulk_create the devices ``numbers``, their configs and template rows; with
    ``with_address``, the devices have already been seen at their address (``last_ip``),
    as their first poll leaves them."""
    from django.db import transaction

    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.devices import configs

    device_model, config_model = get_model("device"), get_model("config")
    field = config_model._meta.get_field("templates")
    through = field.remote_field.through
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    fingerprint = configs.global_fingerprint()
    step = 2000
    for start in range(0, len(numbers), step):
        chunk = numbers[start : start + step]
        devices, config_rows, links = [], [], []
        for number in chunk:
            device = device_model(**device_fields(number, secret))
            if with_address:
                device.last_ip = device_address(number)
            devices.append(device)
            checksum, archive = renders[number]
            config = config_model(
                id=uuid.UUID(bytes=hashlib.md5(f"bench-config-{number}".encode()).digest()),
                device=device,
                backend=BACKEND,
                config={},
                context=device_context(number),
                status="applied",
                checksum_db=checksum,
                archive=archive,
                context_fingerprint=fingerprint,
            )
            config_rows.append(config)
            links.append(
                through(**{f"{source}_id": config.id, f"{target}_id": template.pk, "sort_value": 1})
            )
        with transaction.atomic():
            device_model.objects.bulk_create(devices, batch_size=1000)
            config_model.objects.bulk_create(config_rows, batch_size=500)
            through.objects.bulk_create(links, batch_size=1000)


def existing_numbers(numbers, secret):
    from django_netjsonconfig.apps import get_model

    ids = {device_fields(n, secret)["id"]: n for n in numbers}
    found = set()
    device_model = get_model("device")
    id_list = list(ids)
    for start in range(0, len(id_list), 5000):
        part = id_list[start : start + 5000]
        found.update(device_model.objects.filter(pk__in=part).values_list("pk", flat=True))
    return {ids[i] for i in found}


def write_device_file(path, numbers, renders, secret):
    with open(path, "w") as fh:
        for number in numbers:
            fields = device_fields(number, secret)
            fh.write(
                f"{fields['id'].hex} {fields['key']} {renders[number][0]} "
                f"{device_address(number)}\n"
            )


def verify_sample(numbers, secret, size):
    """Render a sample of the stored configs as the server does (from the database):
    the same checksum and archive as stored, or stop."""
    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.devices import configs

    config_model = get_model("config")
    for number in random.sample(numbers, min(size, len(numbers))):
        device_id = device_fields(number, secret)["id"]
        config = config_model.objects.select_related("device", "device__group").get(
            device_id=device_id
        )
        rendered = configs.render(config)
        if rendered.checksum != config.checksum_db or rendered.archive != bytes(config.archive):
            raise SystemExit(f"device {number}: the stored render differs from the server's")


def cmd_seed(args):
    setup_django()
    secret = os.environ[SECRET_ENV]
    started = time.perf_counter()
    numbers = list(range(args.devices))
    renders = load_renders(args.renders, numbers, BASE_CONFIG, args.processes)
    template = ensure_template(
        args.template, BASE_CONFIG, BASE_DEFAULTS, default=args.template == TEMPLATE
    )
    have = existing_numbers(numbers, secret)
    missing = [n for n in numbers if n not in have]
    insert_started = time.perf_counter()
    fresh = [n for n in missing if n < args.fresh]
    seen = [n for n in missing if n >= args.fresh]
    insert(fresh, renders, template, secret, args.with_address)
    insert(seen, renders, template, secret, True)
    inserted = time.perf_counter() - insert_started
    small = list(range(SMALL_BASE, SMALL_BASE + args.small))
    if small:
        # default, as bench-base is: the two edits take the same path (a default template
        # is also checked together with the other default ones)
        small_template = ensure_template(SMALL_TEMPLATE, SMALL_CONFIG, BASE_DEFAULTS, True)
        small_renders = render_many(
            [n for n in small if n not in existing_numbers(small, secret)], SMALL_CONFIG, 1
        )
        insert(sorted(small_renders), small_renders, small_template, secret)
    write_device_file(args.out, numbers, renders, secret)
    verify_sample(numbers, secret, args.verify)
    verify_sample(small, secret, min(5, args.verify))
    elapsed = time.perf_counter() - started
    print(
        f"seeded {len(missing)} devices (of {len(numbers)}) in {elapsed:.1f} s"
        f" (insert {inserted:.1f} s)",
        flush=True,
    )


def cmd_expect(args):
    setup_django()
    secret = os.environ[SECRET_ENV]
    numbers = list(range(args.devices))
    renders = load_renders(args.renders, numbers, EDITED_CONFIG, args.processes)
    with open(args.out, "w") as fh:
        for number in numbers:
            fh.write(f"{device_fields(number, secret)['id'].hex} {renders[number][0]}\n")


def read_expected(path):
    expected = {}
    with open(path) as fh:
        for line in fh:
            device_hex, checksum = line.split()
            expected[uuid.UUID(device_hex)] = checksum
    return expected


def check(expected):
    """Whether every stored checksum is the expected one and the MD5 of the stored archive."""
    from django_netjsonconfig.apps import get_model

    config_model = get_model("config")
    pending = config_model.objects.filter(render_pending__gt=0).count()
    wrong = bad_archive = seen = 0
    ids = list(expected)
    for start in range(0, len(ids), 5000):
        rows = config_model.objects.filter(device_id__in=ids[start : start + 5000]).values_list(
            "device_id", "checksum_db", "archive"
        )
        for device_id, checksum, archive in rows:
            seen += 1
            if checksum != expected[device_id]:
                wrong += 1
            elif archive is None or hashlib.md5(bytes(archive)).hexdigest() != checksum:
                bad_archive += 1
    result = {
        "pending": pending,
        "wrong_checksum": wrong,
        "bad_archive": bad_archive,
        "missing": len(expected) - seen,
    }
    result["right"] = not any(result.values())
    return result


def cmd_check(args):
    setup_django()
    print(json.dumps(check(read_expected(args.expected))))


def cmd_pending(args):
    setup_django()
    from django_netjsonconfig.apps import get_model

    print(get_model("config").objects.filter(render_pending__gt=0).count())


def cmd_count(args):
    setup_django()
    from django.db.models import Count

    from django_netjsonconfig.apps import get_model

    device_model = get_model("device")
    result = {
        "devices": device_model.objects.count(),
        "configs": get_model("config").objects.count(),
        "duplicate_macs": device_model.objects.values("mac_address")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "duplicate_keys": device_model.objects.values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count(),
        "without_config": device_model.objects.filter(config__isnull=True).count(),
    }
    if args.prefix:
        result["matching"] = device_model.objects.filter(
            mac_address__startswith=args.prefix
        ).count()
    print(json.dumps(result))


ADMIN_USER = "bench-admin"


def ensure_admin(password):
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user = user_model.objects.filter(username=ADMIN_USER).first()
    if user is None:
        user = user_model.objects.create_superuser(ADMIN_USER, "", password)
    else:
        user.set_password(password)
        user.save()
    return user


def edited_config(template, variant):
    """``template``'s config with one more NTP server: a change every device's archive shows."""
    config = json.loads(json.dumps(template.config))
    config["ntp"]["server"] = list(config["ntp"]["server"]) + [f"ntp-{variant}.example.org"]
    return config


def cmd_admin(args):
    """The administrator the benchmark logs in with, and the ids of the templates."""
    setup_django()
    from django_netjsonconfig.apps import get_model

    ensure_admin(args.password)
    templates = get_model("template").objects.filter(name__in=[TEMPLATE, SMALL_TEMPLATE])
    print(json.dumps({t.name: str(t.pk) for t in templates}))


def cmd_queries(args):
    """Queries of the admin request that edits a template used by few, then by many devices.

    The request is the admin's own change view (GET the form, change ``config``,
    POST it as a browser does) through Django's test client, in this process:
    every query of the request is counted. The fan-out it starts runs as the
    site's mode says (a thread of this process, or the Celery workers).
    """
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from bench.common import error_excerpt, form_fields, replace_field
    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.fleet import fanout

    # a name the site answers to (DJANGO_ALLOWED_HOSTS defaults to the loopback names)
    client = Client(HTTP_HOST="localhost")
    client.force_login(ensure_admin(ADMIN_USER + "-pw"))
    template_model, config_model = get_model("template"), get_model("config")
    out = {"fanout_mode": fanout.mode()}
    sql = {}
    # each twice, the first round warming what a process caches (content types, ...)
    for name in (SMALL_TEMPLATE, TEMPLATE, SMALL_TEMPLATE, TEMPLATE):
        template = template_model.objects.get(name=name)
        users = config_model.objects.filter(templates=template).count()
        opts = template._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[template.pk])
        page = client.get(url)
        fields = form_fields(page.content.decode(), f"{opts.model_name}_form")
        config = edited_config(template, random.randrange(1 << 30))
        fields = replace_field(fields, "config", json.dumps(config))
        data = {}
        for field_name, value in fields:
            data.setdefault(field_name, []).append(value)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, data)
        elapsed = time.perf_counter() - started
        if response.status_code != 302:
            raise SystemExit(
                f"the admin refused the edit of {name} ({response.status_code}): "
                + error_excerpt(response.content.decode())
            )
        out[name] = {"devices": users, "queries": len(captured), "seconds": round(elapsed, 3)}
        sql[name] = [query["sql"] for query in captured.captured_queries]
        if args.wait:
            waited = time.perf_counter()
            fanout.wait_for_thread()
            out[name]["fanout_thread_seconds"] = round(time.perf_counter() - waited, 2)
    if args.sql:
        with open(args.sql, "w") as fh:
            json.dump(sql, fh, indent=1)
    print(json.dumps(out))


def cmd_watch(args):
    """Until every device has its expected checksum and archive (or ``--timeout``):
    print how many renders are pending, then when all is right, as JSON."""
    setup_django()
    from django_netjsonconfig.apps import get_model

    expected = read_expected(args.expected)
    config_model = get_model("config")
    started = time.time()
    series = []
    result = {"right": False}
    while time.time() - started < args.timeout:
        pending = config_model.objects.filter(render_pending__gt=0).count()
        series.append((round(time.time(), 3), pending))
        if pending == 0:
            result = check(expected)
            if result["right"]:
                break
        time.sleep(args.interval)
    result["at"] = time.time()
    result["series"] = series
    print(json.dumps(result))


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    seed = sub.add_parser("seed")
    seed.add_argument("--devices", type=int, required=True)
    seed.add_argument("--small", type=int, default=0)
    seed.add_argument("--renders")
    seed.add_argument("--out", required=True)
    seed.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    seed.add_argument("--verify", type=int, default=50, help="sample re-rendered and compared")
    seed.add_argument("--with-address", action="store_true", help="last_ip already recorded")
    seed.add_argument(
        "--fresh",
        type=int,
        default=1 << 40,
        help="only devices below this number are yet to poll; the others already polled "
        "from their address (last_ip recorded)",
    )
    seed.add_argument("--template", default=TEMPLATE, help="of the devices added now")
    expect = sub.add_parser("expect")
    expect.add_argument("--devices", type=int, required=True)
    expect.add_argument("--renders")
    expect.add_argument("--out", required=True)
    expect.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    check = sub.add_parser("check")
    check.add_argument("--expected", required=True)
    sub.add_parser("pending")
    count = sub.add_parser("count")
    count.add_argument("--prefix", default="")
    queries = sub.add_parser("queries")
    queries.add_argument("--wait", action="store_true", help="wait for a fan-out thread")
    queries.add_argument("--sql", help="write the queries of each request to this file")
    admin = sub.add_parser("admin")
    admin.add_argument("--password", required=True)
    watch = sub.add_parser("watch")
    watch.add_argument("--expected", required=True)
    watch.add_argument("--timeout", type=float, default=120.0)
    watch.add_argument("--interval", type=float, default=0.25)
    args = parser.parse_args(argv)
    handler = {
        "seed": cmd_seed,
        "expect": cmd_expect,
        "check": cmd_check,
        "pending": cmd_pending,
        "count": cmd_count,
        "queries": cmd_queries,
        "admin": cmd_admin,
        "watch": cmd_watch,
    }[args.cmd]
    handler(args)


if __name__ == "__main__":
    sys.exit(main())
