"""The poll hot path in one process: the checksum and download-config views.

Run from the repository root::

    DJANGO_SETTINGS_MODULE=tests.settings .venv/bin/python -m bench.bench_poll --seconds 5

It makes a throw-away SQLite test database (Django's test database name of the
settings), one device with a rendered configuration, polls it once so that its
answer is cached, and then times four cases:

* ``checksum view``: the view function called with a request (the answer of the
  settled path: the record of this process settles the poll);
* ``download view``: the same for the download endpoint (archive cache);
* ``checksum WSGI`` / ``download WSGI``: the same requests through Django's WSGI
  handler (middleware, URL resolution), as a web worker runs them.

Each case runs in blocks of ``--block`` calls with the garbage collector off
inside a block, for ``--seconds`` seconds; the figures are the median and the
minimum over the blocks of the time per call, in microseconds. The time is the
process's CPU time (``time.process_time``), not the wall clock: on a shared machine
other processes' load changes the wall clock far more than the code does. Nothing
here talks to a network.
"""

import argparse
import gc
import io
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per case")
    parser.add_argument("--block", type=int, default=200, help="calls per timed block")
    return parser.parse_args(argv)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()


def timed(call: Callable[[], object], seconds: float, block: int) -> tuple[float, float, int]:
    """(median and minimum µs of CPU time per call over the blocks, number of blocks)."""
    per_call = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(per_call) < 5:
        gc.collect()
        gc.disable()
        try:
            start = time.process_time()
            for _ in range(block):
                call()
            per_call.append((time.process_time() - start) / block)
        finally:
            gc.enable()
    return statistics.median(per_call) * 1e6, min(per_call) * 1e6, len(per_call)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.core.handlers.wsgi import WSGIHandler, WSGIRequest
    from django.db import connection
    from django.test.utils import setup_test_environment

    from django_netjsonconfig.controller import views
    from tests.factories import DeviceFactory, make_config

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    try:
        device = DeviceFactory()
        make_config(device)
        key, hex_id = device.key, device.pk.hex

        def environ(path: str) -> dict:
            return {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": f"key={key}",
                "REMOTE_ADDR": "10.0.0.1",
                "SERVER_NAME": "testserver",
                "SERVER_PORT": "80",
                "HTTP_HOST": "testserver",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": False,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
                "wsgi.version": (1, 0),
            }

        handler = WSGIHandler()
        statuses: list[str] = []

        def start_response(status: str, headers: list, exc_info: object = None) -> None:
            statuses.append(status)

        def view_call(view: Callable, path: str) -> Callable[[], object]:
            base = environ(path)

            def call() -> object:
                request = WSGIRequest(dict(base))
                response = view(request, pk=hex_id)
                assert response.status_code == 200, response.content
                return response

            return call

        def wsgi_call(path: str) -> Callable[[], object]:
            base = environ(path)

            def call() -> object:
                body = handler(dict(base), start_response)
                b"".join(body)
                body.close()
                return body

            return call

        checksum_path = f"/controller/checksum/{hex_id}/"
        download_path = f"/controller/download-config/{hex_id}/"
        cases = [
            ("checksum view", view_call(views.checksum, checksum_path)),
            ("download view", view_call(views.download_config, download_path)),
            ("checksum WSGI", wsgi_call(checksum_path)),
            ("download WSGI", wsgi_call(download_path)),
        ]
        for _, call in cases:  # warm: the record and the archive are cached
            for _ in range(3):
                call()
        if any(not status.startswith("200") for status in statuses):
            raise SystemExit(f"a poll was refused: {sorted(set(statuses))}")
        results = [(name, *timed(call, args.seconds, args.block)) for name, call in cases]
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    command = "DJANGO_SETTINGS_MODULE={} .venv/bin/python -m bench.bench_poll {}".format(
        os.environ.get("DJANGO_SETTINGS_MODULE"), shlex.join(argv or sys.argv[1:])
    ).rstrip()
    print(f"# python {platform.python_version()}, {os.cpu_count()} cpu(s)")
    print(f"{'case':15} {'median µs':>10} {'min µs':>8} {'blocks':>7}")
    for name, median, least, blocks in results:
        print(f"{name:15} {median:10.2f} {least:8.2f} {blocks:7}")
    print()
    print("| case | µs of CPU per call, median of blocks | minimum |")
    print("| --- | ---: | ---: |")
    for name, median, least, _ in results:
        print(f"| {name} | {median:.2f} | {least:.2f} |")
    print()
    print(f"Command: `{command}`")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
