"""Real deployments for the integration tests: PostgreSQL databases, Redis databases,
gunicorn servers, Celery workers, and a *driver*.

A test builds a :class:`Deployment` (a context manager that always cleans up):

- ``postgres=True``: a fresh PostgreSQL database, migrated, dropped at the end;
  otherwise the embedded SQLite file in the deployment's var dir;
- ``redis="shared"``: a Redis database of the local server (not 0) that no other
  run holds, flushed before and after; ``redis="private"``: a ``redis-server``
  of our own on a free port, which a test may stop and start again;
- ``site.server()`` runs ``gunicorn demo.wsgi`` on a free loopback port,
  ``site.worker()`` a Celery worker (``celery -A demo worker``), both with the
  deployment's environment, exactly as ``docs/deployment.md`` runs them;
- ``site.driver()`` is a Python process with the same settings, in which the test
  runs the ORM and the services (the functions at the end of this module), as an
  administrator's change or ``manage.py shell`` would.

Every process runs in its own session and is stopped by its id (SIGTERM, then SIGKILL
on timeout), with its process group. Logs go to files in the deployment's directory;
:meth:`Deployment.logs` returns their tails for assertion messages.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from .basics import ROOT, free_port, md5, wait_until

BIN = Path(sys.executable).parent
SECRET = "integration-shared-secret"
OPENWRT = "netjsonconfig.OpenWrt"
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
REDIS_LOCK = "netjsonconfig-integration:lock"
REDIS_MARK = "netjsonconfig-integration:used"
# variables a test deployment must not inherit from the environment of the test run
INHERITED_OUT = (
    "DJANGO_SETTINGS_MODULE",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_VISIBILITY_TIMEOUT",
    "NETJSONCONFIG_VAR_DIR",
    "NETJSONCONFIG_SHARED_SECRET",
    "DJANGO_DEBUG",
)


# --- processes ---------------------------------------------------------------------------------
class Process:
    """A subprocess in its own session, logging to a file."""

    def __init__(self, name, args, env, log_dir, pass_fds=(), stdin=None, stdout=None):
        self.name = name
        self.log_path = Path(log_dir) / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.popen = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdin=stdin if stdin is not None else subprocess.DEVNULL,
            stdout=stdout if stdout is not None else self._log,
            stderr=self._log,
            pass_fds=pass_fds,
            start_new_session=True,
        )
        self.pid = self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def signal_group(self, signum):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signum)

    def stop(self, timeout=10.0, signum=signal.SIGTERM):
        """Stop the process and what it started (its process group)."""
        if self.alive():
            self.signal_group(signum)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal_group(signal.SIGKILL)
                self.popen.wait(5)
        # children left in the group (a pool process whose parent was killed)
        self.signal_group(signal.SIGKILL)
        self._log.close()

    def children(self):
        """Pids of the direct children (from /proc)."""
        found = []
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{self.pid}/task"):
                with open(f"/proc/{self.pid}/task/{task}/children") as fh:
                    found += [int(pid) for pid in fh.read().split()]
        return found

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


class Server(Process):
    """``gunicorn demo.wsgi`` on a free loopback port."""

    def __init__(self, name, env, log_dir, workers=1):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(256)
        listener.set_inheritable(True)
        self.port = listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            str(BIN / "gunicorn"),
            "demo.wsgi",
            "--bind",
            f"fd://{listener.fileno()}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--graceful-timeout",
            "3",
            "--error-logfile",
            "-",
            "--no-control-socket",
        ]
        try:
            super().__init__(name, args, env, log_dir, pass_fds=(listener.fileno(),))
        finally:
            listener.close()  # gunicorn holds it now

    def wait_ready(self, timeout=30.0):
        def ready():
            if not self.alive():
                raise AssertionError(f"{self.name} exited:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    return response.status == 200
            except (OSError, urllib.error.URLError):
                return False

        wait_until(ready, timeout, 0.1, f"{self.name} to answer")
        return self


class Worker(Process):
    """A Celery worker of the demo site."""

    def __init__(self, name, env, log_dir, pool="solo", concurrency=1):
        args = [
            str(BIN / "celery"),
            "-A",
            "demo",
            "worker",
            "--pool",
            pool,
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--hostname",
            f"{name}-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        super().__init__(name, args, env, log_dir)

    def wait_ready(self, timeout=40.0):
        def ready():
            if not self.alive():
                raise AssertionError(f"{self.name} exited:\n{self.log_text()[-3000:]}")
            return " ready." in self.log_text()

        wait_until(ready, timeout, 0.1, f"{self.name} to be ready")
        return self

    def task_lines(self, task_name, event="received"):
        """The ``Task <name>[<id>] <event>`` lines the worker logged."""
        return [
            line
            for line in self.log_text().splitlines()
            if f"Task {task_name}[" in line and f"] {event}" in line
        ]


class Driver(Process):
    """A Python process with the deployment's settings that runs this module's functions."""

    def __init__(self, name, env, log_dir):
        args = [sys.executable, "-m", "tests.integration_helpers"]
        super().__init__(name, args, env, log_dir, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._buffer = b""
        self._lock = threading.Lock()

    def call(self, function, *args, timeout=120.0, **kwargs):
        request = json.dumps({"function": function, "args": args, "kwargs": kwargs}) + "\n"
        with self._lock:
            self.popen.stdin.write(request.encode())
            self.popen.stdin.flush()
            line = self._read_line(timeout, function)
        answer = json.loads(line)
        if "error" in answer:
            raise AssertionError(f"driver: {function} failed:\n{answer['error']}")
        return answer["result"]

    def _read_line(self, timeout, function):
        deadline = time.monotonic() + timeout
        stream = self.popen.stdout
        with selectors.DefaultSelector() as selector:
            selector.register(stream, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"driver: {function} took more than {timeout} s")
                if selector.select(left):
                    chunk = os.read(stream.fileno(), 65536)
                    if not chunk:
                        raise AssertionError(f"driver exited:\n{self.log_text()[-3000:]}")
                    self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def stop(self, timeout=10.0, signum=signal.SIGTERM):
        with contextlib.suppress(OSError):
            self.popen.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        super().stop(timeout, signum)
        with contextlib.suppress(OSError):
            self.popen.stdout.close()


# --- services ----------------------------------------------------------------------------------
def _postgres_admin():
    import psycopg

    return psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)


@contextlib.contextmanager
def postgres_database():
    """A fresh, empty PostgreSQL database; its URL. Dropped at the end."""
    name = f"nj_it_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    with _postgres_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with _postgres_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_TAKE_DB = """
if redis.call('exists', KEYS[1]) == 1 then return 0 end
if redis.call('dbsize') > 0 and redis.call('exists', KEYS[2]) == 0 then return 0 end
redis.call('flushdb')
redis.call('set', KEYS[2], '1')
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
"""
_RELEASE_DB = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('flushdb')
return 1
"""


@contextlib.contextmanager
def redis_database(host=REDIS_HOST, port=REDIS_PORT, ttl=900):
    """A Redis database (1-15) of the local server held by this run only, flushed before
    and after; its URL. A database holding data that is not ours is never taken."""
    import redis

    token = uuid.uuid4().hex
    for number in range(1, 16):
        client = redis.Redis(host=host, port=port, db=number, socket_timeout=5)
        if client.eval(_TAKE_DB, 2, REDIS_LOCK, REDIS_MARK, token, ttl):
            break
        client.close()
    else:
        raise RuntimeError(f"no free Redis database on {host}:{port} (1-15 are all in use)")
    try:
        yield f"redis://{host}:{port}/{number}"
    finally:
        with contextlib.suppress(Exception):
            client.eval(_RELEASE_DB, 1, REDIS_LOCK, token)
        client.close()


class PrivateRedis:
    """A ``redis-server`` of our own (no persistence), which a test may stop and restart."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/1"
        self.process = None

    def start(self):
        args = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = Process(f"redis-{self.port}", args, dict(os.environ), self.log_dir)
        import redis

        client = redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=1)

        def up():
            if not self.process.alive():
                raise AssertionError(f"redis-server exited:\n{self.process.log_text()}")
            try:
                return client.ping()
            except redis.RedisError:
                return False

        wait_until(up, 15, 0.05, "the private redis-server")
        client.close()
        return self

    def stop(self, signum=signal.SIGKILL):
        if self.process is not None:
            self.process.stop(5, signum)
            self.process = None


# --- deployments -------------------------------------------------------------------------------
class Deployment(contextlib.ExitStack):
    """One site: its database, Redis, environment, and the processes started for it."""

    def __init__(self, directory, *, postgres=True, redis="shared", env=None):
        super().__init__()
        self.directory = Path(directory)
        self.postgres = postgres
        self.redis_mode = redis
        self.extra_env = dict(env or {})
        self.processes = []
        self.private_redis = None
        self.database_url = None
        self.redis_url = None

    def __enter__(self):
        super().__enter__()
        try:
            self._setup()
        except BaseException:
            self.close()
            raise
        return self

    def _setup(self):
        self.var_dir = self.directory / "var"
        (self.var_dir / "static").mkdir(parents=True, exist_ok=True)
        self.log_dir = self.directory / "logs"
        self.log_dir.mkdir(exist_ok=True)
        if self.postgres:
            self.database_url = self.enter_context(postgres_database())
        if self.redis_mode == "shared":
            self.redis_url = self.enter_context(redis_database())
        elif self.redis_mode == "private":
            self.private_redis = PrivateRedis(self.log_dir).start()
            self.callback(self.private_redis.stop)
            self.redis_url = self.private_redis.url
        # stop processes first (ExitStack unwinds in reverse order)
        self.callback(self._stop_processes)
        self.migrate()

    @property
    def env(self):
        env = {k: v for k, v in os.environ.items() if k not in INHERITED_OUT}
        env.update(
            DJANGO_SETTINGS_MODULE="demo.settings",
            DJANGO_SECRET_KEY="integration-tests-secret-key",
            DJANGO_DEBUG="0",
            DJANGO_LOG_LEVEL="WARNING",
            NETJSONCONFIG_SHARED_SECRET=SECRET,
            NETJSONCONFIG_VAR_DIR=str(self.var_dir),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            PYTHONUNBUFFERED="1",
        )
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def manage(self, *args, timeout=120):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode:
            raise AssertionError(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
            )
        return result.stdout

    def migrate(self):
        self.manage("migrate", "--noinput")

    def _track(self, process):
        self.processes.append(process)
        return process

    def server(self, name=None, workers=1, env=None):
        name = name or f"server-{len(self.processes)}"
        process = self._track(Server(name, {**self.env, **(env or {})}, self.log_dir, workers))
        return process.wait_ready()

    def worker(self, name=None, pool="solo", concurrency=1, env=None):
        name = name or f"worker-{len(self.processes)}"
        worker = Worker(name, {**self.env, **(env or {})}, self.log_dir, pool, concurrency)
        return self._track(worker).wait_ready()

    def driver(self, name=None, env=None):
        name = name or f"driver-{len(self.processes)}"
        driver = self._track(Driver(name, {**self.env, **(env or {})}, self.log_dir))
        driver.call("ping", timeout=60)
        return driver

    def _stop_processes(self):
        while self.processes:
            self.processes.pop().stop()

    def logs(self, limit=2500):
        """The tails of every log, for an assertion message."""
        parts = []
        for path in sorted(self.log_dir.glob("*.log")):
            text = path.read_text(errors="replace")
            parts.append(f"--- {path.name} ---\n{text[-limit:]}")
        return "\n".join(parts)


# --- polling devices ---------------------------------------------------------------------------
class Poll:
    """One poll of a device: when it started and finished (``time.time()``), the checksum
    answered and the MD5 of the archive download-config gave right after."""

    __slots__ = ("device", "started", "checksum", "archive_md5", "finished")

    def __init__(self, device, started, checksum, archive_md5, finished):
        self.device = device
        self.started = started
        self.checksum = checksum
        self.archive_md5 = archive_md5
        self.finished = finished

    def __repr__(self):
        return (
            f"Poll({self.device}, {self.started:.3f}..{self.finished:.3f}, "
            f"checksum={self.checksum}, archive={self.archive_md5})"
        )


def source_address(index):
    """A loopback address of its own for device number ``index`` (127.0.0.1 excluded):
    devices seen at distinct addresses, as in a real fleet."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


def bound_transport(base_url, source, timeout=30.0):
    """:func:`tests.agent.http_transport`, from the local address ``source``."""
    from .agent import FORM

    parsed = urllib.parse.urlsplit(base_url)

    def send(method, path, params):
        query = urllib.parse.urlencode(params)
        conn = http.client.HTTPConnection(
            parsed.hostname, parsed.port, timeout=timeout, source_address=(source, 0)
        )
        try:
            if method == "GET":
                conn.request(method, f"{path}?{query}" if query else path)
            else:
                conn.request(method, path, query.encode(), {"Content-Type": FORM})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    return send


def agent_for(device, base_url, statuses=None, timeout=30.0, source=None):
    """A :class:`tests.agent.Agent` for a device created by :func:`fleet`, talking to
    ``base_url`` with the agent's ``http_transport`` (from 127.0.0.1), or from the
    address ``source``; every HTTP status it gets is appended to ``statuses``."""
    from .agent import Agent, http_transport

    if source is None:
        send = http_transport(base_url, timeout=timeout)
    else:
        send = bound_transport(base_url, source, timeout=timeout)

    def transport(method, path, params):
        try:
            answer = send(method, path, params)
        except OSError as exc:
            if statuses is not None:
                statuses.append((path, repr(exc)))
            raise
        if statuses is not None:
            statuses.append((path, answer[0]))
        return answer

    return Agent(
        transport=transport,
        mac_address=device["mac"],
        shared_secret=SECRET,
        hostname=device["name"],
        uuid=device["id"],
        key=device["key"],
    )


def assert_answers(agents, expected, context=""):
    """Every agent's checksum is the expected one, and the MD5 of its download."""
    for device_id, agent in agents.items():
        checksum = agent.checksum()
        assert checksum == expected[device_id], f"{device_id}: {checksum}{context}"
        assert md5(agent.download()) == checksum, f"{device_id}{context}"


def fresh_checksums(driver):
    """``{device id: the checksum its config renders to now}``, as the driver reads it."""
    return {device_id: state["fresh"] for device_id, state in driver.call("states").items()}


def poll_once(agent, device_id, report=True):
    """Checksum then download-config (every time, to compare them), and report-status
    ``applied`` when they agree on a new configuration, as the agent does; a :class:`Poll`."""
    started = time.time()
    checksum = agent.checksum()
    archive = agent.download()
    finished = time.time()
    digest = md5(archive)
    if report and digest == checksum and checksum != agent.checksum_stored:
        agent.checksum_stored = checksum
        agent.report_status("applied")
    return Poll(device_id, started, checksum, digest, finished)


class FleetPoller:
    """Threads that poll every device of a fleet continuously, round robin.

    Device number ``i`` polls from :func:`source_address` ``(i)``, except every
    ``shared_every``-th, which polls from 127.0.0.1 with the agent's ``http_transport``
    (devices that share a private address, whose polls each record it anew)."""

    def __init__(self, devices, base_url, threads=8, report=True, shared_every=10):
        self.devices = [
            (device, None if shared_every and index % shared_every == 0 else source_address(index))
            for index, device in enumerate(devices)
        ]
        self.base_url = base_url
        self.threads = threads
        self.report = report
        self.polls = []
        self.statuses = []
        self.errors = []
        self._stop = threading.Event()
        self._workers = []
        self._lock = threading.Lock()

    def __enter__(self):
        for index in range(self.threads):
            mine = self.devices[index :: self.threads]
            thread = threading.Thread(target=self._run, args=(mine,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def _run(self, devices):
        statuses = []
        agents = [
            (device["id"], agent_for(device, self.base_url, statuses, source=source))
            for device, source in devices
        ]
        while not self._stop.is_set():
            for device_id, agent in agents:
                if self._stop.is_set():
                    break
                try:
                    poll = poll_once(agent, device_id, self.report)
                except Exception as exc:
                    with self._lock:
                        self.errors.append((device_id, time.time(), repr(exc)))
                    continue
                with self._lock:
                    self.polls.append(poll)
                    self.statuses.extend(statuses)
                statuses.clear()

    def snapshot(self):
        with self._lock:
            return list(self.polls)

    def stop(self):
        self._stop.set()
        for thread in self._workers:
            thread.join(60)

    def __exit__(self, *exc):
        self.stop()


# --- what the driver runs (in the deployment's settings) ---------------------------------------
def ping():
    from django.db import connection

    return {"vendor": connection.vendor, "pid": os.getpid()}


def fleet(count, template_config, prefix="device"):
    """A template and ``count`` devices using it, made the way a bulk import makes them:
    rows inserted in bulk, the template assigned in bulk (``relations``), every config
    rendered by the fan-out service (in this process). Device number ``i`` was last
    seen at :func:`source_address` ``(i)``. Returns the template's id and the devices
    (id, key, name, MAC)."""
    from django.db import transaction

    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.base.device import consistent_key
    from django_netjsonconfig.devices import relations
    from django_netjsonconfig.fleet import fanout
    from django_netjsonconfig.validators import normalize_mac

    template_model, device_model, config_model = (
        get_model("template"),
        get_model("device"),
        get_model("config"),
    )
    salt = int(hashlib.md5(prefix.encode()).hexdigest()[:4], 16)
    devices = []
    for index in range(count):
        octets = (2, salt >> 8, salt & 255, index >> 16 & 255, index >> 8 & 255, index & 255)
        mac = normalize_mac(":".join(f"{octet:02x}" for octet in octets))
        key = consistent_key(mac, SECRET)
        last_ip = source_address(index)
        devices.append(
            device_model(name=f"{prefix}-{index}", mac_address=mac, key=key, last_ip=last_ip)
        )
    with transaction.atomic():
        template = template_model(
            name=f"{prefix}-template", backend=OPENWRT, config=template_config
        )
        template.full_clean()
        template.save()
        device_model.objects.bulk_create(devices, batch_size=500)
        config_model.objects.bulk_create(
            [
                config_model(
                    device=device,
                    backend=OPENWRT,
                    config={},
                    render_pending=1,
                    render_action="config_changed",
                )
                for device in devices
            ],
            batch_size=500,
        )
        relations.bulk_add(config_model.objects.filter(device__in=devices), template)
    fanout.render_pending()
    left = config_model.objects.filter(device__in=devices, checksum_db__isnull=True).count()
    assert not left, f"{left} configs of the fleet did not render"
    return {"template": template.pk, "devices": [_describe(device) for device in devices]}


def _describe(device):
    return {
        "id": device.pk.hex,
        "key": device.key,
        "name": device.name,
        "mac": str(device.mac_address),
    }


def edit_template(template_id, config, hold=0.0):
    """Change a template's configuration in one transaction (held open ``hold`` seconds,
    so that polls run while it is uncommitted), as the admin saves it.

    Returns the times (``time.time()``) at which the transaction started, committed,
    and at which its commit callbacks (the invalidation, the fan-out) had run.
    """
    from django.db import transaction

    from django_netjsonconfig.apps import get_model

    times = {}
    times["started"] = time.time()
    with transaction.atomic():
        # registered first: runs first after the commit, before the invalidation
        transaction.on_commit(lambda: times.setdefault("committed", time.time()))
        template = get_model("template").objects.get(pk=template_id)
        template.config = config
        template.full_clean()
        template.save()
        time.sleep(hold)
    times["callbacks_done"] = time.time()
    return times


def edit_template_counting_queries(template_id, config):
    """:func:`edit_template`, with the number of queries it made (in this process)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from django_netjsonconfig.fleet import fanout

    with CaptureQueriesContext(connection) as captured:
        times = edit_template(template_id, config)
    return {
        "queries": len(captured),
        "sql": [q["sql"][:300] for q in captured.captured_queries],
        "mode": fanout.mode(),
        **times,
    }


def states(device_ids=None, fresh=True):
    """What the database holds for each device, and (``fresh``) what a render gives now."""
    from django_netjsonconfig.apps import get_model
    from django_netjsonconfig.devices import configs

    queryset = get_model("config").objects.select_related("device", "device__group")
    if device_ids is not None:
        queryset = queryset.filter(device_id__in=[uuid.UUID(i) for i in device_ids])
    result = {}
    for config in queryset:
        archive = bytes(config.archive) if config.archive is not None else None
        result[config.device_id.hex] = {
            "checksum": config.checksum_db,
            "archive_md5": md5(archive) if archive is not None else None,
            "pending": config.render_pending,
            "status": config.status,
            "fresh": configs.render(config).checksum if fresh else None,
            "key": config.device.key,
            "name": config.device.name,
        }
    return result


def pending_count():
    from django_netjsonconfig.apps import get_model

    return get_model("config").objects.filter(render_pending__gt=0).count()


def set_checksum_raw(device_id, checksum):
    """Write a config's checksum with SQL, bypassing the application (and its invalidation)."""
    from django_netjsonconfig.apps import get_model

    config_model = get_model("config")
    return config_model.objects.filter(device_id=uuid.UUID(device_id)).update(checksum_db=checksum)


def redis_poll_entry_exists(device_id):
    """Whether the poll cache holds an entry for the device in Redis."""
    from django_netjsonconfig.polling import cache as pollcache

    cache = pollcache.get_cache()
    return bool(cache.redis.exists(pollcache.ENTRY_PREFIX + uuid.UUID(device_id).hex))


def fanout_mode():
    from django_netjsonconfig.fleet import fanout

    return fanout.mode()


def wait_for_background_renders(timeout=60):
    """Embedded mode: wait for this process's fan-out thread."""
    from django_netjsonconfig.fleet import fanout

    fanout.wait_for_thread(timeout)
    return pending_count()


FUNCTIONS = {
    f.__name__: f
    for f in (
        ping,
        fleet,
        edit_template,
        edit_template_counting_queries,
        states,
        pending_count,
        set_checksum_raw,
        redis_poll_entry_exists,
        fanout_mode,
        wait_for_background_renders,
    )
}


def _serve():
    """The driver's loop: one JSON request a line on stdin, one JSON answer a line."""
    import django

    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to the log
    django.setup()
    for line in sys.stdin:
        request = json.loads(line)
        try:
            result = FUNCTIONS[request["function"]](*request["args"], **request["kwargs"])
            answer = {"result": result}
        except Exception:
            answer = {"error": traceback.format_exc()}
        protocol.write(json.dumps(answer, default=str) + "\n")
        protocol.flush()


if __name__ == "__main__":
    _serve()
