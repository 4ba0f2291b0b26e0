"""Fixtures in the Flask tutorial's shape: `app`, `client`, `runner`, `auth`; plus PostgreSQL and factories."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from points import clock as points_clock
from points import create_app
from points.db import db
from points.domains import registry

from .factories import Factory
from .ledger.actions import TEST_ACTIONS

PG_URL = os.environ.get("POINTS_TEST_DATABASE_URL")


def _config(url: str, **extra: object) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast hashing: the suite creates hundreds of accounts
        **extra,
    }


class IsolatedClient(FlaskClient):
    """Each request in an app context of its own, as in production.

    Without this, a request reuses the test's app context, and with it `g` (so Flask-Login's cached user
    leaks from one client to the next and cookies go unchecked) and the test's database session.
    What the test wrote is committed first, and what the request wrote is visible to the test afterwards.
    """

    def open(self, *args, **kwargs):
        outer = db.session() if has_app_context() else None
        if outer is not None:
            outer.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer is not None:
            outer.commit()  # ends the test's read snapshot (SQLite WAL) and expires what it had loaded
        return response


def _make_app(url: str, **extra: object) -> Iterator[Flask]:
    copied = _copy_sqlite_template(url)
    app = create_app(_config(url, **extra))
    for action in TEST_ACTIONS:
        registry(app).earning_action(action)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if url.startswith("postgresql"):
            _empty_postgresql_schema()
        elif not copied:
            db.drop_all()
            db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# A fresh schema per test, without building it per test (that was a third of the suite's time): SQLite databases
# are copies of one file built once per run; on PostgreSQL the schema is built once per run and each test starts
# from emptied tables and restarted sequences, as if just created.
_sqlite_template: Path | None = None
_postgresql_built: set[str] = set()


def _copy_sqlite_template(url: str) -> bool:
    """Copy the run's empty SQLite database to `url`'s file; False when `url` is no new SQLite file."""
    global _sqlite_template
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return False
    target = Path(url.removeprefix("sqlite:///"))
    if target.exists():
        return False
    if _sqlite_template is None:
        template = Path(tempfile.mkdtemp(prefix="points-schema-")) / "empty.sqlite3"
        app = create_app(_config(f"sqlite:///{template}"))
        with app.app_context():
            db.create_all()
            db.engine.dispose()  # the last connection's close checkpoints the WAL into the file
        _sqlite_template = template
    shutil.copyfile(_sqlite_template, target)
    return True


def _empty_postgresql_schema() -> None:
    """The tables of the models, empty, with their sequences at the start: built at a run's first use (or when a
    test dropped them), else emptied: only the tables with rows are truncated, only the sequences used restarted."""
    url = str(db.engine.url)
    if url in _postgresql_built:
        try:
            with db.engine.begin() as conn:
                tables = [t.name for t in db.metadata.sorted_tables]
                probe = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables)
                filled = [row[0] for row in conn.exec_driver_sql(probe)]
                used = [row[0] for row in conn.exec_driver_sql(
                    "SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL")]
                if filled:
                    conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in filled) + " CASCADE")
                for sequence in used:
                    conn.exec_driver_sql(f'ALTER SEQUENCE "{sequence}" RESTART')
            return
        except ProgrammingError:  # a table is missing: a test dropped the schema
            _postgresql_built.discard(url)
    db.drop_all()
    db.create_all()
    _postgresql_built.add(url)


@pytest.fixture
def app(tmp_path) -> Iterator[Flask]:
    """SQLite in a file (WAL, BEGIN IMMEDIATE: the embedded default as it really runs)."""
    yield from _make_app(f"sqlite:///{tmp_path / 'test.sqlite3'}")


def postgres_reachable() -> str | None:
    """None when reachable, else the reason to skip."""
    if not PG_URL:
        return "POINTS_TEST_DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/test)"
    try:
        engine = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means: not reachable
        return f"PostgreSQL at POINTS_TEST_DATABASE_URL is not reachable: {error.__class__.__name__}"
    return None


@pytest.fixture
def pg_app() -> Iterator[Flask]:
    reason = postgres_reachable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
        pytest.skip(reason)
    yield from _make_app(PG_URL)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_app(request, tmp_path) -> Iterator[Flask]:
    """Both engines, for the rules that must hold on each (concurrency, idempotency)."""
    if request.param == "sqlite":
        yield from _make_app(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    else:
        yield request.getfixturevalue("pg_app")


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def make(app: Flask, ctx) -> Factory:
    return Factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, phone: str, password: str = "password123"):
        return self._client.post("/login", data={"phone": phone, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


class Clock:
    """The `clock` fixture: "now" for services that are not given `now=`, stopped where the test puts it."""

    def set(self, at: datetime) -> datetime:
        points_clock.set(at)
        return at

    def advance(self, **delta: float) -> datetime:
        """Move on, e.g. `clock.advance(minutes=1)`."""
        return self.set(points_clock.now() + timedelta(**delta))

    def now(self) -> datetime:
        return points_clock.now()


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Stops the clock at the moment the test starts; `clock.set(at)` and `clock.advance(...)` move it."""
    points_clock.set(points_clock.now())
    yield Clock()
    points_clock.set(None)
