"""Transactions and column types shared by every domain.

Every service function runs as one database transaction through `@transaction`. On SQLite the transaction
starts with BEGIN IMMEDIATE, because SQLite has no SELECT … FOR UPDATE and two deferred transactions that
both read and then write would otherwise fail or interleave; on PostgreSQL rows are locked explicitly.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Any, Callable, ParamSpec, TypeVar

from sqlalchemy import DateTime, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

P = ParamSpec("P")
R = TypeVar("R")

_IMMEDIATE = "points_begin_immediate"
_IN_SERVICE = "points_in_service"


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
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def transaction(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function as one write transaction: commit on return, roll back on any exception.

    A service called from inside another service joins the outer transaction under a savepoint. Whatever read-only
    transaction the view had open is closed first, so the write transaction reads fresh, locked data.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from .extensions import db

        session = db.session()  # the scoped session's current Session
        if session.info.get(_IN_SERVICE):
            # A savepoint: if the inner service fails and the outer one carries on, none of the inner
            # service's half-done writes (a balance moved before the next one refused) survive.
            with session.begin_nested():
                return fn(*args, **kwargs)
        if session.in_transaction():
            session.commit()
        session.info[_IN_SERVICE] = True
        try:
            if db.engine.dialect.name == "sqlite":
                session.connection(execution_options={_IMMEDIATE: True})
            result = fn(*args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(_IN_SERVICE, None)

    return wrapper


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
    return datetime.now(timezone.utc)
