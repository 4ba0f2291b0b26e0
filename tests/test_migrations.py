"""The migrations build exactly the schema the models describe, on both engines."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import CheckConstraint, inspect, select

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
            diff += _check_constraint_diff(conn)
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
    return diff


def _check_constraint_diff(conn) -> list:
    """Alembic's comparison skips CHECK constraints; the enum columns rely on them, so compare their names."""
    inspector = inspect(conn)
    diff = []
    for table in db.metadata.sorted_tables:
        names = [str(c.name) for c in table.constraints if isinstance(c, CheckConstraint)]
        wanted = {n if n.startswith(f"ck_{table.name}_") else f"ck_{table.name}_{n}" for n in names}
        found = {c["name"] for c in inspector.get_check_constraints(table.name)}
        if wanted != found:
            diff.append(("check constraints", table.name, sorted(wanted - found), sorted(found - wanted)))
    return diff


def test_migrations_match_models_on_sqlite(tmp_path):
    assert _diff_after_upgrade(f"sqlite:///{tmp_path / 'm.sqlite3'}") == []


@pytest.mark.postgres
def test_migrations_match_models_on_postgresql():
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    assert _diff_after_upgrade(PG_URL) == []


def test_communities_created_before_the_lists_were_seeded_get_the_default_lists(tmp_path):
    """Pages only read a community's scope categories and negative list (issue 9): migration 0012 writes the
    defaults for every community that has none; one that has its own keeps them."""
    from pathlib import Path

    from flask_migrate import upgrade
    from sqlalchemy import text

    import points

    app = create_app(_config(f"sqlite:///{tmp_path / 'seed.sqlite3'}"))
    directory = str(Path(points.__file__).resolve().parent / "migrations")
    with app.app_context():
        upgrade(directory=directory, revision="0008")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO units (id, name, level, path) VALUES (1, '区', 'district', '/1/'), "
                                 "(2, '街道', 'street', '/1/2/'), (3, '一社区', 'community', '/1/2/3/'), "
                                 "(4, '二社区', 'community', '/1/2/4/')")
            conn.exec_driver_sql("INSERT INTO proposal_categories (community_id, name, position, is_active) "
                                 "VALUES (4, '停车', 0, 1)")
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            def names(table, community):
                return conn.execute(text(f"SELECT name FROM {table} WHERE community_id = :c ORDER BY position"),
                                    {"c": community}).scalars().all()
            assert names("proposal_categories", 3)[0] == "公共设施与环境" and len(names("proposal_categories", 3)) == 5
            assert len(names("proposal_negative_items", 3)) == 5
            assert names("proposal_categories", 4) == ["停车"]
            assert len(names("proposal_negative_items", 4)) == 5
        db.engine.dispose()


def test_venues_learn_until_when_their_scheduled_activities_take_scans(tmp_path):
    """Migration 0016 (issue 11): a venue's `checkables_until` is its last scheduled activity's end plus the
    check-out hour; a cancelled activity does not count, a venue without any stays empty."""
    from datetime import UTC, datetime
    from pathlib import Path

    from flask_migrate import upgrade

    import points
    from points.checkin.models import Venue

    app = create_app(_config(f"sqlite:///{tmp_path / 'venues.sqlite3'}"))
    directory = str(Path(points.__file__).resolve().parent / "migrations")
    with app.app_context():
        upgrade(directory=directory, revision="0015")
        with db.engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO units (id, name, level, path) VALUES (1, '社区', 'community', '/1/')")
            for venue in (1, 2, 3):
                conn.exec_driver_sql(
                    "INSERT INTO venues (id, community_id, unit_id, kind, name, brand, location, poster_token, "
                    f"is_active, created_at) VALUES ({venue}, 1, 1, 'hall', '点{venue}', '', '', 't{venue}', 1, "
                    "'2026-11-01 00:00:00')")
            for n, (venue, ends, status) in enumerate([(1, "2026-12-01 10:00:00", "scheduled"),
                                                       (1, "2026-12-03 10:00:00", "scheduled"),
                                                       (1, "2026-12-09 10:00:00", "cancelled"),
                                                       (2, "2026-12-09 10:00:00", "cancelled")]):
                conn.exec_driver_sql(
                    "INSERT INTO activities (community_id, unit_id, venue_id, title, description, place, starts_at, "
                    "ends_at, slots, taken_slots, status, secret, kiosk_token, cancel_reason, created_at) VALUES "
                    f"(1, 1, {venue}, '活动', '', '', '2026-11-30 10:00:00', '{ends}', 5, 0, '{status}', 's', "
                    f"'k{n}', '', '2026-11-01 00:00:00')")
        upgrade(directory=directory)
        until = {v.id: v.checkables_until for v in db.session.scalars(select(Venue))}
        assert until == {1: datetime(2026, 12, 3, 11, tzinfo=UTC), 2: None, 3: None}
        db.session.remove()
        db.engine.dispose()
