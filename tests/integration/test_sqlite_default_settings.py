"""A site that embeds the app with Django's default SQLite settings.

``startproject`` names only the database file: rollback journal, deferred
transactions, a 5 s busy timeout. A deferred transaction reads, then asks to upgrade
its read lock to the write lock; when another connection writes meanwhile SQLite fails
at once with "database is locked", whatever the timeout. The app starts the
transactions of the connections it writes with as ``BEGIN IMMEDIATE`` (unless the
settings name a ``transaction_mode``), so concurrent writers wait for the lock instead.
"""

import json
import os
import subprocess
import sys

import pytest
from django.core import checks
from django.db import connections
from django.db.backends.sqlite3.base import DatabaseWrapper

from ..basics import ROOT

ROUNDS = 40
DEVICES = 3


def run_scenario(tmp_path, settings_module, rounds=ROUNDS, devices=DEVICES):
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE=settings_module,
        NETJSONCONFIG_TEST_SQLITE=str(tmp_path / "site.sqlite3"),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.sqlite_contention", str(rounds), str(devices)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_group_templates_change_while_devices_reregister_with_default_sqlite_settings(tmp_path):
    summary = run_scenario(tmp_path, "tests.settings_default_sqlite")

    assert summary["failures"] == [], (
        f"{len(summary['failures'])} of {ROUNDS} rounds failed: {summary['failures'][:3]}"
    )
    assert summary["logged_errors"] == []
    # the last round's change is what every device of the group has
    wanted = "second" if (ROUNDS - 1) % 2 == 0 else "first"
    assert summary["group_templates"] == [wanted]
    assert len(summary["config_templates"]) == DEVICES
    assert all(names == [wanted] for names in summary["config_templates"].values())


def sqlite_wrapper(tmp_path, alias="default", **options):
    """A new connection of ``alias`` to a file of ``tmp_path``, with ``options``."""
    settings_dict = {**connections.settings["default"]}
    settings_dict.update(
        ENGINE="django.db.backends.sqlite3",
        NAME=str(tmp_path / "other.sqlite3"),
        OPTIONS=options,
    )
    return DatabaseWrapper(settings_dict, alias=alias)


def _begin_statement(wrapper):
    """The statement that starts a transaction (what ``atomic()`` runs first)."""
    seen = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    wrapper.ensure_connection()
    try:
        with wrapper.execute_wrapper(record):
            wrapper._start_transaction_under_autocommit()
            wrapper.cursor().execute("ROLLBACK")
        return seen[0]
    finally:
        wrapper.close()


@pytest.fixture
def own_connections(django_db_blocker):
    """Connections of our own to a file of the test, not the test database."""
    with django_db_blocker.unblock():
        yield


def test_a_connection_without_transaction_mode_begins_immediate(tmp_path, own_connections):
    wrapper = sqlite_wrapper(tmp_path)
    assert _begin_statement(wrapper) == "BEGIN IMMEDIATE"


@pytest.mark.parametrize("mode", ["DEFERRED", "deferred", "EXCLUSIVE"])
def test_a_transaction_mode_in_the_settings_is_kept(tmp_path, mode, own_connections):
    wrapper = sqlite_wrapper(tmp_path, transaction_mode=mode)
    assert _begin_statement(wrapper) == f"BEGIN {mode.upper()}"


def test_a_database_the_app_does_not_write_to_is_left_alone(tmp_path, own_connections):
    wrapper = sqlite_wrapper(tmp_path, alias="elsewhere")
    assert _begin_statement(wrapper) == "BEGIN"


_OVERRIDE = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")


@_OVERRIDE
def test_deferred_transactions_in_the_settings_get_a_warning(settings):
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {
            **settings.DATABASES["default"],
            "ENGINE": "django.db.backends.sqlite3",
            "OPTIONS": {"transaction_mode": "DEFERRED"},
        },
    }
    found = [m for m in checks.run_checks() if m.id == "django_netjsonconfig.W001"]
    assert len(found) == 1
    assert found[0].level == checks.WARNING
    assert "database is locked" in found[0].msg
    assert '"transaction_mode": "IMMEDIATE"' in found[0].hint


@_OVERRIDE
def test_no_warning_without_transaction_mode_or_with_immediate(settings):
    for options in ({}, {"transaction_mode": "IMMEDIATE"}, {"timeout": 20}):
        settings.DATABASES = {
            **settings.DATABASES,
            "default": {
                **settings.DATABASES["default"],
                "ENGINE": "django.db.backends.sqlite3",
                "OPTIONS": options,
            },
        }
        assert not [m for m in checks.run_checks() if m.id == "django_netjsonconfig.W001"]
