"""The queue runs named tasks only: a plain name, registered once, never a dotted path."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from django_netjsonconfig import queue, tasks
from django_netjsonconfig.queue import registry


@pytest.fixture
def clean_registry():
    """The registry as the app left it, restored after the test."""
    saved = dict(registry._tasks)
    yield
    registry._tasks.clear()
    registry._tasks.update(saved)


def work(*ids):
    return ids


def test_the_app_registers_each_task_with_its_celery_task_and_finder():
    registered = {task.name: task for task in queue.tasks()}
    assert set(registered) == {
        "render_pending",
        "bulk_job",
        "generate_dh",
        "push_pending",
        "run_command",
        "command_job",
        "attach_credentials",
    }
    assert registered["render_pending"].celery is tasks.dispatch_pending_renders
    assert registered["bulk_job"].celery is tasks.run_bulk_job
    assert registered["generate_dh"].celery is tasks.generate_dh
    assert registered["push_pending"].celery is tasks.push_pending
    assert registered["run_command"].celery is tasks.run_command
    assert registered["attach_credentials"].celery is tasks.attach_credentials
    # those that wait on devices never run in a web request
    assert registered["push_pending"].threaded and registered["run_command"].threaded
    assert registered["command_job"].threaded
    assert registered["command_job"].celery is tasks.run_bulk_job
    assert all(task.pending is not None for task in registered.values())


def test_no_task_runs_an_arbitrary_dotted_path():
    assert not hasattr(tasks, "run_background")
    with pytest.raises(queue.UnknownTask, match="never given as dotted paths"):
        queue.enqueue("django_netjsonconfig.vpn.servers.generate_dh", "1")


def test_an_unknown_name_is_refused_with_the_names_that_exist():
    with pytest.raises(queue.UnknownTask) as refused:
        queue.enqueue("render_everything")
    message = str(refused.value)
    assert "no task named 'render_everything'" in message
    assert (
        "bulk_job, command_job, generate_dh, push_pending, render_pending, run_command" in message
    )


def test_an_unknown_task_is_an_improperly_configured_error():
    assert issubclass(queue.UnknownTask, ImproperlyConfigured)


@pytest.mark.parametrize("name", ["os.system", "a.b", "Upper", "with space", "", "9lives"])
def test_a_name_that_is_not_a_plain_word_is_refused(clean_registry, name):
    with pytest.raises(ImproperlyConfigured, match="plain word"):
        queue.register(name, work)


def test_a_name_taken_by_another_function_is_refused(clean_registry):
    queue.register("sample", work)
    with pytest.raises(ImproperlyConfigured, match="already registered"):
        queue.register("sample", print)


def test_registering_the_same_function_again_replaces_it(clean_registry):
    queue.register("sample", work)
    task = queue.register("sample", work, immediate=True)
    assert queue.get("sample") is task


def test_unregister_refuses_an_unknown_name(clean_registry):
    queue.register("sample", work)
    queue.unregister("sample")
    with pytest.raises(queue.UnknownTask):
        queue.unregister("sample")


def test_a_function_that_cannot_be_called_is_refused(clean_registry):
    with pytest.raises(ImproperlyConfigured, match="not callable"):
        queue.register("sample", "django_netjsonconfig.tasks.generate_dh")
