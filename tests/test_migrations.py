"""The migrations build exactly the schema the models describe, on both engines."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from points import create_app
from points.cli import upgrade_database
from points.db import db

from .conftest import PG_URL, _config, postgres_reachable


def _diff_after_upgrade(url: str) -> list:
    app = create_app(_config(url))
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade_database()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
    return diff


def test_migrations_match_models_on_sqlite(tmp_path):
    assert _diff_after_upgrade(f"sqlite:///{tmp_path / 'm.sqlite3'}") == []


@pytest.mark.postgres
def test_migrations_match_models_on_postgresql():
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    assert _diff_after_upgrade(PG_URL) == []
