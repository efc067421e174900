"""One render: netjsonconfig's plain ``generate()`` against ``render_archive``.

Run from the repository root::

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -m bench.bench_render

For the same input (a small device config with one template and a few
variables), in one run, it times:

* ``plain``: ``OpenWrt(config=..., templates=[...], context=...).generate()``,
  what netjsonconfig users call;
* ``ours``: ``render_archive(...)``, the service the app uses (archive + MD5).

in two cases: (a) the same input at every repetition, (b) a different variable
value at every repetition, so that no memo can hit. The two are timed in
alternating blocks (``--block`` calls of plain, as many of ours, ...) with the
garbage collector off inside a block, as ``timeit`` does, so that each side runs
warm and a slow patch of the machine hits both alike; the medians are compared.
The bytes are checked to be equal before timing. The output ends with markdown
table rows for docs/benchmarks.md and the command line that made them.

The target: ours / plain <= 0.12.
"""

import argparse
import gc
import hashlib
import os
import platform
import shlex
import statistics
import sys
import time

TARGET = 0.12

DEVICE = {
    "general": {"hostname": "{{ name }}"},
    "interfaces": [
        {
            "name": "eth0",
            "type": "ethernet",
            "addresses": [{"proto": "dhcp", "family": "ipv4"}],
        },
        {
            "name": "lan",
            "type": "bridge",
            "bridge_members": ["eth1", "eth2"],
            "addresses": [
                {
                    "proto": "static",
                    "family": "ipv4",
                    "address": "{{ lan_ip }}",
                    "mask": 24,
                }
            ],
        },
    ],
}
TEMPLATE = {
    "radios": [{"name": "radio0", "protocol": "802.11n", "channel": 1, "channel_width": 20}],
    "interfaces": [
        {
            "name": "wlan0",
            "type": "wireless",
            "wireless": {
                "radio": "radio0",
                "mode": "access_point",
                "ssid": "{{ ssid }}",
                "network": ["lan"],
            },
        }
    ],
    "ntp": {"enabled": True, "server": ["0.pool.ntp.org", "1.pool.ntp.org"]},
    "dns_servers": ["9.9.9.9"],
    "files": [{"path": "/etc/banner", "contents": "managed: {{ name }}\n", "mode": "0644"}],
}
BACKENDS = {"openwrt": "netjsonconfig.OpenWrt", "openwisp": "netjsonconfig.OpenWisp"}


def context_for(i):
    return {"name": "router-1", "lan_ip": "192.168.1.1", "ssid": f"office-{i}"}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-n",
        "--reps",
        type=int,
        default=0,
        help="repetitions per case (default: as many as fit in --seconds)",
    )
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="time budget when --reps is not given"
    )
    parser.add_argument(
        "--backend",
        action="append",
        choices=sorted(BACKENDS),
        help="backend(s) to time (default: openwrt)",
    )
    parser.add_argument(
        "--block", type=int, default=10, help="calls per block, plain and ours alternating"
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 if a ratio misses the target"
    )
    return parser.parse_args(argv)


def setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()


def main(argv=None):
    args = parse_args(argv)
    setup_django()
    import netjsonconfig
    from django.conf import settings

    from django_netjsonconfig.rendering import memo as memos
    from django_netjsonconfig.rendering.render import Source, render_archive

    names = args.backend or ["openwrt"]
    classes = {"openwrt": netjsonconfig.OpenWrt, "openwisp": netjsonconfig.OpenWisp}
    configured = {path for path, _ in getattr(settings, "NETJSONCONFIG_BACKENDS", ())}
    for name in names:
        if configured and BACKENDS[name] not in configured:
            sys.exit(f"{BACKENDS[name]} is not in NETJSONCONFIG_BACKENDS of these settings")

    sources = [Source('template "bench"', TEMPLATE), Source("device configuration", DEVICE)]

    def plain(cls, context):
        return cls(config=DEVICE, templates=[TEMPLATE], context=context).generate().getvalue()

    def ours(path, context):
        return render_archive(path, sources, context).archive

    # same bytes, and warm-up (imports, compiled validator, templates)
    for name in names:
        cls, path = classes[name], BACKENDS[name]
        for i in range(3):
            expected = plain(cls, context_for(i))
            rendered = render_archive(path, sources, context_for(i))
            assert rendered.archive == expected, f"{name}: different bytes"
            assert rendered.checksum == hashlib.md5(expected).hexdigest()

    reps = args.reps
    if reps <= 0:
        # one repetition of a case = one plain + one ours; four series per backend
        start = time.perf_counter()
        for i in range(5):
            for name in names:
                plain(classes[name], context_for(i))
                ours(BACKENDS[name], context_for(i))
        per_rep = (time.perf_counter() - start) / 5
        reps = max(20, int(args.seconds / (2 * per_rep)))

    counter = [10_000]

    def next_context():
        counter[0] += 1
        return context_for(counter[0])

    def timed(call, target, context, times):
        t0 = time.perf_counter()
        call(target, context)
        times.append(time.perf_counter() - t0)

    results = []
    for name in names:
        cls, path = classes[name], BACKENDS[name]
        fixed = context_for(0)
        for label, same in (("identical input", True), ("distinct inputs", False)):
            memos.memo.clear()
            memos.archives.clear()
            ours(path, fixed)  # the identical case starts with its config remembered
            plain_times, our_times = [], []
            done = 0
            while done < reps:
                # alternate blocks of calls, as timeit does without garbage collection
                # inside them: each side runs warm, and a slow patch of the machine
                # hits both alike
                size = min(args.block, reps - done)
                gc.collect()
                gc.disable()
                try:
                    for _ in range(size):
                        timed(plain, cls, fixed if same else next_context(), plain_times)
                    for _ in range(size):
                        timed(ours, path, fixed if same else next_context(), our_times)
                finally:
                    gc.enable()
                done += size
            p, o = statistics.median(plain_times), statistics.median(our_times)
            hits = (memos.memo.hits, memos.archives.hits)
            results.append((name, label, p, o, o / p, hits))

    command = "DJANGO_SETTINGS_MODULE={} .venv/bin/python -m bench.bench_render {}".format(
        os.environ.get("DJANGO_SETTINGS_MODULE"), shlex.join(argv or sys.argv[1:])
    ).rstrip()
    print(f"# one render, {reps} repetitions per case (blocks of {args.block}), medians")
    print(
        f"# python {platform.python_version()}, netjsonconfig {netjsonconfig.get_version()}, "
        f"{os.cpu_count()} cpu(s)"
    )
    print()
    print(
        f"{'backend':9} {'case':16} {'plain ms':>9} {'ours ms':>9} {'ratio':>7}  "
        f"{'target':14} memo hits (validation, archive)"
    )
    for name, label, p, o, ratio, hits in results:
        verdict = "ok" if ratio <= TARGET else "MISSED"
        print(
            f"{name:9} {label:16} {p * 1e3:9.3f} {o * 1e3:9.3f} {ratio:7.3f}  "
            f"<= {TARGET} {verdict:6} {hits[0]}, {hits[1]}"
        )
    print()
    print("Markdown rows for docs/benchmarks.md:")
    print()
    print("| benchmark | case | netjsonconfig `generate()` | `render_archive` | ratio | target |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    for name, label, p, o, ratio, _ in results:
        verdict = "met" if ratio <= TARGET else "missed"
        print(
            f"| one render ({name}, small config + 1 template, N={reps}) | {label} "
            f"| {p * 1e3:.2f} ms | {o * 1e3:.2f} ms | {ratio:.3f} "
            f"| <= {TARGET} ({verdict}) |"
        )
    print()
    print(f"Command: `{command}`")
    missed = any(r[4] > TARGET for r in results)
    return 1 if (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
