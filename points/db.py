"""Transactions and column types shared by every domain.

Every service function runs as one database transaction through `@transaction`. On SQLite the transaction
starts with BEGIN IMMEDIATE, because SQLite has no SELECT … FOR UPDATE and two deferred transactions that
both read and then write would otherwise fail or interleave; on PostgreSQL rows are locked explicitly.

SQLite has one writer at a time, so writers queue. Within a process they queue on a lock, in order; between
processes they poll for the database's write lock every millisecond or so. SQLite's own busy handler backs
off to 100 ms between tries, so under load a writer that has waited a while keeps losing to fresh ones:
with it, 200 check-ins from 8 clients took up to 4 s each; with the queue, p99 is the queue's length.
"""
from __future__ import annotations

import enum
import functools
import logging
import random
import sqlite3
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, ParamSpec, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CheckConstraint, DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.orm.base import instance_state
from sqlalchemy.types import TypeDecorator

from . import clock

P = ParamSpec("P")
R = TypeVar("R")

_IMMEDIATE = "points_begin_immediate"
_IN_SERVICE = "points_in_service"
_ON_COMMIT = "points_on_commit"  # callbacks waiting for the outermost service's commit (session.info)
_ON_ROLLBACK = "points_on_rollback"  # callbacks undoing what the service did outside the database (files)
WRITE_WAIT_SECONDS = 30  # how long a writer waits for the write lock before giving up ("database is locked")
_writer_queues: dict[str, threading.Lock] = {}
_writer_queues_guard = threading.Lock()
log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def install_sqlite_pragmas(engine: Engine) -> None:
    """Take transaction control away from pysqlite so that we choose BEGIN or BEGIN IMMEDIATE ourselves."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get(_IMMEDIATE):
            _begin_immediate(conn.connection.driver_connection)
        else:
            conn.exec_driver_sql("BEGIN")


def _begin_immediate(raw: sqlite3.Connection) -> None:
    """Take the write lock, polling for it ourselves (see the module's docstring) instead of SQLite's handler."""
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.0005 + random.random() * 0.001)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {WRITE_WAIT_SECONDS * 1000}")


def _writer_queue(engine: Engine) -> threading.Lock:
    with _writer_queues_guard:
        return _writer_queues.setdefault(str(engine.url), threading.Lock())


def transaction(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function as one write transaction: commit on return, roll back on any exception.

    A service called from inside another service joins the outer transaction under a savepoint; `service.joined(...)`
    joins it without one, for a caller that fails whenever the inner service does. Whatever read-only
    transaction the view had open is closed first, so the write transaction reads fresh, locked data. Callbacks
    queued with `on_commit` run after the commit, outside the transaction.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = db.session()  # the scoped session's current Session
        if session.info.get(_IN_SERVICE):
            # A savepoint: if the inner service fails and the outer one carries on, none of the inner
            # service's half-done writes (a balance moved before the next one refused) survive, and none of
            # the after-commit callbacks it queued run.
            queued, undo = len(session.info[_ON_COMMIT]), len(session.info[_ON_ROLLBACK])
            try:
                with session.begin_nested():
                    return fn(*args, **kwargs)
            except BaseException:
                del session.info[_ON_COMMIT][queued:]
                undone = session.info[_ON_ROLLBACK][undo:]
                del session.info[_ON_ROLLBACK][undo:]
                for callback in reversed(undone):
                    _run_callback(callback)
                raise
        if session.in_transaction():
            _end_read(session)
        queue = _writer_queue(db.engine) if db.engine.dialect.name == "sqlite" else None
        if queue is not None and not queue.acquire(timeout=WRITE_WAIT_SECONDS):
            raise TimeoutError(f"waited {WRITE_WAIT_SECONDS} s in the SQLite write queue")
        session.info[_IN_SERVICE] = True
        session.info[_ON_COMMIT] = []
        session.info[_ON_ROLLBACK] = []
        committed = False
        try:
            if queue is not None:
                session.connection(execution_options={_IMMEDIATE: True})
            result = fn(*args, **kwargs)
            session.commit()
            committed = True
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(_IN_SERVICE, None)
            callbacks = session.info.pop(_ON_COMMIT, [])
            undo = session.info.pop(_ON_ROLLBACK, [])
            if queue is not None:
                queue.release()
            if not committed:
                for callback in reversed(undo):
                    _run_callback(callback)
        # Out of the transaction and the write queue: a callback may call services of its own.
        for callback in callbacks:
            _run_callback(callback)
        return result

    def joined(*args: P.args, **kwargs: P.kwargs) -> R:
        """Inside a running service, without a savepoint: for a caller whose transaction fails whenever this
        call fails (it lets the error through), so that the savepoint's two statements buy nothing."""
        if not db.session().info.get(_IN_SERVICE):
            raise RuntimeError(f"{fn.__name__}.joined runs only inside a service's transaction")
        return fn(*args, **kwargs)

    wrapper.joined = joined  # type: ignore[attr-defined]
    return wrapper


def _end_read(session: Any) -> None:
    """End the view's read transaction before the write one. What it loaded stays loaded (no expiry): anything a
    service decides on under concurrency it reads again inside the write transaction (locks, conditional
    updates, `populate_existing`), and reloading the user, their roles and the objects the view found
    cost a scan three statements. Pending writes outside a service would be a bug; they are flushed as before."""
    if session.new or session.dirty or session.deleted:
        session.commit()
        return
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def adopt(obj: Any) -> None:
    """Make `obj`, whose row a Core INSERT just wrote (its primary key set), a persistent object of the session
    without reading it back. An object of the same identity still in the session can only be a leftover of a
    savepoint that rolled back (its id reused): it is stale and goes."""
    make_transient_to_detached(obj)
    stale = db.session.identity_map.get(instance_state(obj).key)
    if stale is not None:
        db.session.expunge(stale)
    db.session.add(obj)


def next_id(model: type, dialect: str | None = None):
    """A column expression for the id the next row of `model`'s table will get, taken now, so that a row can be
    named (by an award's cause, say) before it is written: PostgreSQL draws it from the table's sequence; on
    SQLite, where BEGIN IMMEDIATE lets one writer at a time in, it is the largest id + 1. Only inside a service."""
    from sqlalchemy import func, select

    table = model.__table__
    if (dialect or db.session.get_bind().dialect.name) == "postgresql":
        return func.nextval(func.pg_get_serial_sequence(table.name, "id"))
    return select(func.coalesce(func.max(table.c.id), 0) + 1).scalar_subquery()


def enum_check(column: str, values: type[enum.StrEnum], *, nullable: bool = False) -> CheckConstraint:
    """The one way a `StrEnum` is stored: a short string column whose CHECK admits exactly the enum's values.

    The constraint is named after the column (`ck_<table>_<column>` by the naming convention), so a migration that
    adds a value drops and recreates it by that name.
    """
    allowed = f"{column} IN ({','.join(repr(v.value) for v in values)})"
    return CheckConstraint(f"{column} IS NULL OR {allowed}" if nullable else allowed, name=column)


def on_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the outermost service's transaction has committed; drop it if that transaction, or
    the savepoint of the nested service that queued it, rolls back. Outside a service it runs at once.

    A callback's exception is logged, never raised: the writes it follows are already committed.
    """
    session = db.session()
    if session.info.get(_IN_SERVICE):
        session.info[_ON_COMMIT].append(callback)
    else:
        _run_callback(callback)


def on_rollback(callback: Callable[[], object]) -> None:
    """Run `callback` if the current service's transaction (or the savepoint of the nested service that queued it)
    rolls back: it undoes what the service did outside the database, such as a file it wrote. Outside a service
    there is nothing to roll back, and it never runs. Its exception is logged, never raised."""
    session = db.session()
    if session.info.get(_IN_SERVICE):
        session.info[_ON_ROLLBACK].append(callback)


def _run_callback(callback: Callable[[], object]) -> None:
    try:
        callback()
    except Exception:
        log.exception("after-commit callback %r failed", callback)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both SQLite (stored naive, in UTC) and PostgreSQL (timestamptz)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware UTC datetime is required")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """Now, aware UTC, from the one clock (so tests that move `points.clock` move column defaults too)."""
    return clock.now()
