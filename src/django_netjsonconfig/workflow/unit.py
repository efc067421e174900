"""One unit of work per transaction: every write reaches the workflow by one path.

Whoever writes (the admin, an import, a bulk job, a shell, another app, the plain ORM),
the model receivers (``receivers.py``) only *record* what the write asks for into the
unit of the current transaction: "this config needs a render", "the templates of this
group changed", "this background work must run". The unit keeps one record per thing
(two edits of a config in one transaction: one render) and does the work in two steps:

- **settle** (the data: renders): at once for a write made outside any transaction
  (autocommit: the write is its own transaction); else when the transaction commits,
  or earlier when a workflow of the app needs the result (:func:`settle`: a service
  returning a rendered config);
- **after commit** (the consequences: public signals, background work): once the
  transaction has committed.

A unit belongs to the outermost atomic block of a connection that the app or its
caller opened (a test case's own blocks do not count: in a test, the block a workflow
opens is its transaction). A rolled back transaction or savepoint drops what was
recorded inside it: each savepoint level registers one ``on_commit`` token, which
Django discards with the savepoint (or the transaction); the unit holds its tokens
weakly, and only records whose token still exists are done.

The steps are registered by the domain packages (:func:`register_step`); background
work is a task of the queue (:func:`background` enqueues it after the commit), so that
this module depends on nothing of the app but the queue.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .. import queue

Step = Callable[[dict[Any, Any]], None]
Merge = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class _Kind:
    step: Step
    after_commit: bool


_kinds: dict[str, _Kind] = {}


def register_step(kind: str, step: Step, *, after_commit: bool = False) -> None:
    """Have ``step({key: value})`` do the records of ``kind``: when the unit settles,
    or, with ``after_commit``, once its transaction has committed. Steps run in the
    order they were registered; registering a kind again replaces its step."""
    _kinds[kind] = _Kind(step, after_commit)


class _Token:
    """One ``on_commit`` entry per savepoint level of a unit: alive while registered."""

    __slots__ = ("unit", "__weakref__")

    def __init__(self, unit: Unit) -> None:
        self.unit = unit

    def __call__(self) -> None:
        self.unit.committed(self)


@dataclass
class _Entry:
    value: Any
    token: weakref.ref[_Token] | None  # None: a unit outside any transaction
    previous: _Entry | None = None  # the record as an outer savepoint level left it


def _live(entry: _Entry | None) -> _Entry | None:
    """The newest version of a record whose savepoint was not rolled back."""
    while entry is not None and not _alive(entry.token):
        entry = entry.previous
    return entry


class Unit:
    """What one transaction asked for, done once (see the module's documentation)."""

    def __init__(self, using: str, scope: object | None, sid: str | None, deferred: bool):
        self.using = using
        self.scope = scope  # the atomic block it belongs to (None: autocommit)
        self.sid = sid  # that block's savepoint, when it has one
        self.deferred = deferred  # settles at commit (or when asked), not after each record
        self.records: dict[str, dict[Hashable, _Entry]] = {}
        self.tokens: dict[tuple[str | None, ...], weakref.ref[_Token]] = {}
        self.done = False

    # --- recording ----------------------------------------------------------------------
    def add(self, kind: str, key: Hashable, value: Any, merge: Merge | None = None) -> None:
        """Record ``value`` for ``key``; a record already there for ``key`` is combined
        with it by ``merge(old, new)`` (without ``merge`` the new value replaces it)."""
        if kind not in _kinds:
            raise LookupError(f"no workflow step for {kind!r}")
        token = self._token()
        bucket = self.records.setdefault(kind, {})
        old = _live(bucket.get(key))
        previous = old
        if old is not None:
            if merge is not None:
                value = merge(old.value, value)
            if old.token is not None and old.token() is token:
                previous = old.previous  # same level: this version replaces that one
        ref = None if token is None else weakref.ref(token)
        bucket[key] = _Entry(value, ref, previous)

    def get(self, kind: str, key: Hashable) -> Any:
        """The live record of ``kind`` for ``key``, or None."""
        entry = _live(self.records.get(kind, {}).get(key))
        return None if entry is None else entry.value

    def discard(self, kind: str, key: Hashable) -> None:
        """Forget the record of ``kind`` for ``key`` (its work was done otherwise)."""
        self.records.get(kind, {}).pop(key, None)

    def _connection(self) -> BaseDatabaseWrapper:
        return transaction.get_connection(self.using)

    def _token(self) -> _Token | None:
        """The token of the current savepoint level (registered with ``on_commit``, which
        holds the only strong reference to it)."""
        if self.scope is None:
            return None
        level = tuple(self._connection().savepoint_ids)
        known = self.tokens.get(level)
        token = known() if known is not None else None
        if token is None:
            token = _Token(self)
            self.tokens[level] = weakref.ref(token)
            transaction.on_commit(token, using=self.using)
        return token

    def alive(self) -> bool:
        """Whether the transaction it belongs to still runs (not committed, not rolled back)."""
        if self.done:
            return False
        return not self.tokens or any(ref() is not None for ref in self.tokens.values())

    # --- doing ----------------------------------------------------------------------------
    def _take(self, kind: str) -> dict[Any, Any]:
        bucket = self.records.pop(kind, None)
        if not bucket:
            return {}
        live = {key: _live(entry) for key, entry in bucket.items()}
        return {key: entry.value for key, entry in live.items() if entry is not None}

    def settle(self) -> None:
        """Do the settle steps of what was recorded (each record once)."""
        for _round in range(10):  # a step may record more for another
            pending = False
            for kind, spec in _kinds.items():
                if spec.after_commit:
                    continue
                taken = self._take(kind)
                if taken:
                    pending = True
                    spec.step(taken)
            if not pending:
                return

    def after_commit(self) -> None:
        """Do the after-commit steps of what was recorded."""
        for kind, spec in _kinds.items():
            if spec.after_commit:
                taken = self._take(kind)
                if taken:
                    spec.step(taken)

    def committed(self, token: _Token) -> None:
        """The transaction committed (the first live token runs): do everything once."""
        if self.done:
            return
        self.done = True
        _forget(self)
        if any(not spec.after_commit and self.records.get(kind) for kind, spec in _kinds.items()):
            with transaction.atomic(using=self.using):
                self.settle()
        self.after_commit()


def _alive(token: weakref.ref[_Token] | None) -> bool:
    """Whether a record's token still exists: its savepoint was not rolled back."""
    return token is None or token() is not None


# --- the registry: one unit per connection ------------------------------------------------
_units: weakref.WeakKeyDictionary[BaseDatabaseWrapper, Unit] = weakref.WeakKeyDictionary()


def _forget(unit: Unit) -> None:
    connection = unit._connection()
    if _units.get(connection) is unit:
        del _units[connection]


def _scope(connection: BaseDatabaseWrapper) -> tuple[object | None, str | None, bool]:
    """The block a unit belongs to, its savepoint, and whether it waits for a commit:
    the outermost atomic block not opened by a test case. A block that joins a test
    case's transaction without a savepoint (Django's own around an m2m change) has no
    commit of its own: its unit settles after each record."""
    blocks = connection.atomic_blocks
    offset = len(blocks) - len(connection.savepoint_ids)
    for index, block in enumerate(blocks):
        if getattr(block, "_from_testcase", False):
            continue
        position = index - offset
        sid = connection.savepoint_ids[position] if position >= 0 else None
        return block, sid, sid is not None or index == 0
    return None, None, False


def current(using: str | None = None) -> Unit:
    """The unit of the current transaction on ``using`` (a new one if none is open)."""
    using = using or DEFAULT_DB_ALIAS
    connection = transaction.get_connection(using)
    scope, sid, deferred = _scope(connection)
    if scope is None:
        return Unit(using, None, None, False)
    unit = _units.get(connection)
    if unit is not None and unit.scope is scope and unit.sid == sid and unit.alive():
        return unit
    unit = _units[connection] = Unit(using, scope, sid, deferred)
    return unit


def record(
    kind: str, key: Hashable, value: Any, merge: Merge | None = None, using: str | None = None
) -> Unit:
    """Record into the current unit (see :meth:`Unit.add`); a unit that does not wait
    for a commit settles at once, and one outside any transaction is done at once."""
    unit = current(using)
    unit.add(kind, key, value, merge)
    if not unit.deferred:
        unit.settle()
    if unit.scope is None:
        unit.after_commit()
    return unit


def settle(using: str | None = None) -> None:
    """Settle the current unit now, inside its transaction: for a workflow that returns
    what the records produce (a rendered config). Its after-commit steps still wait."""
    unit = _units.get(transaction.get_connection(using or DEFAULT_DB_ALIAS))
    if unit is not None and unit.alive():
        unit.settle()


def atomic(using: str | None = None) -> transaction.Atomic:
    """An atomic block for a workflow that records and settles: it joins the transaction
    of the current unit when that one waits for its commit (no savepoint), else opens
    one, so that what the workflow records is done once, when it settles."""
    return transaction.atomic(using=using, savepoint=not current(using).deferred)


def background(name: str, *ids: Any) -> None:
    """Have the queue's task ``name`` run with ``ids`` once the transaction commits, once
    however many times it is asked for in it (``queue.enqueue``); in the ``inline`` mode
    of ``NETJSONCONFIG_FANOUT`` it is enqueued at once. An unknown name raises
    ``queue.UnknownTask`` here, in the caller."""
    queue.get(name)
    if queue.mode() == "inline":
        queue.enqueue(name, *ids)
        return
    record("background", (name, tuple(str(i) for i in ids)), True)


def _run_background(records: dict[Any, Any]) -> None:
    for name, ids in records:
        queue.enqueue(name, *ids)


register_step("background", _run_background, after_commit=True)


def run(kind: str, records: dict[Any, Any]) -> None:
    """Do the step of ``kind`` for ``records`` now (``sending.collect`` gathers them
    across the signals of a dispatch)."""
    if kind not in _kinds:
        raise LookupError(f"no workflow step for {kind!r}")
    _kinds[kind].step(records)
