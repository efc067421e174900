"""One entry point runs a task the way NETJSONCONFIG_FANOUT says, with the same code."""

import contextlib
import threading

import pytest
from django.core.signals import request_started

from django_netjsonconfig import queue
from django_netjsonconfig.queue import lanes, registry, sweeper

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A transaction whose commit callbacks run at its end, as after a real commit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def recorded(monkeypatch):
    """A task ``sample`` that records its arguments; claims of this process only."""
    saved = dict(registry._tasks)
    calls = []
    done = threading.Event()

    def sample(*ids):
        calls.append(ids)
        done.set()

    @contextlib.contextmanager
    def claim(key, *, wait):
        yield True

    monkeypatch.setattr(lanes, "claim", claim)
    queue.register("sample", sample, immediate=True)
    yield calls
    lanes.wait(10)
    registry._tasks.clear()
    registry._tasks.update(saved)


class FakeCelery:
    def __init__(self, fail=False):
        self.sent = []
        self.fail = fail

    def delay(self, *args):
        if self.fail:
            raise ConnectionError("broker down")
        self.sent.append(args)


def test_inline_an_immediate_task_runs_at_once_with_ids_as_strings(settings, recorded, committed):
    settings.NETJSONCONFIG_FANOUT = "inline"
    queue.enqueue("sample", 1, "b")
    assert recorded == [("1", "b")]
    queue.register("sample", registry.get("sample").function, immediate=False)
    with committed():
        queue.enqueue("sample", 2)
        assert recorded == [("1", "b")]  # after commit
    assert recorded == [("1", "b"), ("2",)]


def test_the_thread_mode_runs_the_same_function_in_a_lane(settings, recorded, committed):
    settings.NETJSONCONFIG_FANOUT = "thread"
    with committed():
        queue.enqueue("sample", 7)
        assert recorded == []  # after commit
    assert queue.wait(10)
    assert recorded == [("7",)]


def test_the_celery_mode_sends_the_ids_to_the_celery_task(settings, recorded, committed):
    settings.NETJSONCONFIG_FANOUT = "celery"
    celery = FakeCelery()
    queue.register("sample", registry.get("sample").function, celery=celery)
    with committed():
        queue.enqueue("sample", 3, 4)
        assert celery.sent == []  # after commit
    assert celery.sent == [("3", "4")]
    assert recorded == []


def test_with_the_broker_down_a_task_runs_in_a_thread_unless_kept(settings, recorded, committed):
    settings.NETJSONCONFIG_FANOUT = "celery"
    function = registry.get("sample").function
    queue.register("sample", function, celery=FakeCelery(fail=True))
    with committed():
        queue.enqueue("sample", 5)
    assert queue.wait(10)
    assert recorded == [("5",)]
    queue.register("sample", function, celery=FakeCelery(fail=True), fallback=False)
    with committed():
        queue.enqueue("sample", 6)
    assert queue.wait(10)
    assert recorded == [("5",)]  # kept for the sweeper, a later retry


def test_work_already_waiting_in_a_lane_is_not_queued_twice(recorded):
    started, release = threading.Event(), threading.Event()
    function = registry.get("sample").function

    def slow(*ids):
        started.set()
        release.wait(10)
        function(*ids)

    registry._tasks["sample"] = registry.Task("sample", slow)
    assert lanes.submit(lanes.Work("sample", ("1",)))  # runs, blocked
    assert started.wait(10)
    assert lanes.submit(lanes.Work("sample", ("1",)))  # asked again while it runs: queued
    assert not lanes.submit(lanes.Work("sample", ("1",)))  # already waiting
    assert lanes.busy("sample", ("1",))
    release.set()
    assert queue.wait(10)
    assert recorded == [("1",), ("1",)]
    assert not lanes.busy("sample", ("1",))


def test_the_sweeper_queues_what_the_finder_reports_and_backs_off(settings, recorded):
    settings.NETJSONCONFIG_FANOUT = "thread"
    function = registry.get("sample").function
    queue.register("sample", function, pending=lambda: [("9",)])
    sweeper._retry.clear()
    others = [t.name for t in queue.tasks() if t.name != "sample"]
    for name in others:  # only the sample task: no database here
        registry._tasks[name] = registry.Task(name, registry._tasks[name].function)
    assert sweeper.sweep() == 1
    assert queue.wait(10)
    assert recorded == [("9",)]
    assert sweeper.sweep() == 0  # found again at once: it waits before trying again
    queue.register("sample", function, pending=lambda: [])
    assert sweeper.sweep() == 0
    assert sweeper._retry == {}  # done: a later request is queued at the next sweep


def test_the_sweeper_is_off_without_an_interval(settings):
    settings.NETJSONCONFIG_SWEEP_INTERVAL = 0
    assert sweeper.start() is None


def test_the_first_request_starts_the_sweeper_and_the_others_pay_nothing(monkeypatch):
    started = []
    monkeypatch.setattr(sweeper, "start", lambda: started.append(1))
    sweeper.connect()
    request_started.send(sender=None)
    request_started.send(sender=None)
    assert started == [1]
    assert not request_started.disconnect(dispatch_uid=sweeper.UID)  # no longer connected
