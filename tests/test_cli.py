"""The `points` command: demo, verify (clean and tampered), backup, create-admin, units import."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import select, update

from points import create_app
from points.accounts.models import Resident, Role
from points.db import db
from points.ledger.models import Posting
from points.units.models import Unit

from .conftest import _config


@pytest.fixture
def app(tmp_path):
    """An empty database, as on a first start: the commands create it through the migrations."""
    app = create_app(_config(f"sqlite:///{tmp_path / 'cli.sqlite3'}"))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_demo_loads_and_verify_is_clean(runner, ctx):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "13800000001 / demo12345" in result.output
    verify = runner.invoke(args=["ledger", "verify"])
    assert verify.exit_code == 0 and verify.output.startswith("OK:")


def test_demo_refuses_a_database_with_data(runner, ctx):
    runner.invoke(args=["demo"])
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0 and "already has data" in again.output


def test_verify_fails_naming_the_first_bad_transaction(runner, ctx):
    runner.invoke(args=["demo"])
    posting = db.session.scalars(select(Posting).order_by(Posting.id)).first()
    db.session.execute(update(Posting).where(Posting.id == posting.id).values(amount=posting.amount * 2))
    db.session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "First bad: [tampered] community" in result.output and f"transaction id={posting.transaction_id} seq=1" in result.output


def test_backup_writes_a_consistent_copy(runner, ctx, tmp_path):
    runner.invoke(args=["demo"])
    target = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["backup", "-o", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("select count(*) from residents").fetchone()[0] == db.session.query(Resident).count()


def test_units_import_and_create_admin(runner, ctx, tmp_path):
    csv = tmp_path / "units.csv"
    csv.write_text("district,street,community,compound,building\n垦利区,董集镇,杨庙社区,幸福小区,1号楼\n垦利区,董集镇,杨庙社区,幸福小区,2号楼\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(csv)])
    assert result.exit_code == 0 and "6 units created." in result.output
    assert runner.invoke(args=["units", "import", str(csv)]).output.strip().endswith("\n0 units created.")
    admin = runner.invoke(args=["create-admin", "--phone", "13600000000", "--name", "张主任", "--unit", "垦利区", "--password", "admin-pass-1"])
    assert admin.exit_code == 0, admin.output
    person = db.session.scalar(select(Resident).where(Resident.phone == "13600000000"))
    assert [(g.role, g.unit.name) for g in person.grants] == [(Role.ADMIN.value, "垦利区")]
    assert db.session.scalar(select(Unit).where(Unit.name == "2号楼")).path.count("/") == 6


def test_units_import_rejects_a_bad_file_whole(runner, ctx, tmp_path):
    csv = tmp_path / "units.csv"
    csv.write_text("垦利区,董集镇,杨庙社区,幸福小区,1号楼\n,缺区名\n", encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(csv)])
    assert result.exit_code != 0 and "第2行" in result.output
    assert db.session.scalar(select(Unit.id)) is None  # all or nothing


def test_create_admin_asks_which_unit_when_names_repeat(runner, ctx, tmp_path):
    csv = tmp_path / "units.csv"
    csv.write_text("垦利区,董集镇,杨庙社区,一区,1号楼\n垦利区,郝家镇,新村社区,一区,1号楼\n", encoding="utf-8")
    runner.invoke(args=["units", "import", str(csv)])
    result = runner.invoke(args=["create-admin", "--phone", "13600000000", "--name", "张", "--unit", "一区", "--password", "admin-pass-1"])
    assert result.exit_code != 0 and "Several units are named '一区'" in result.output
    unit_id = db.session.scalar(select(Unit.id).where(Unit.name == "一区").order_by(Unit.id))
    chosen = runner.invoke(args=["create-admin", "--phone", "13600000000", "--name", "张", "--unit", str(unit_id), "--password", "admin-pass-1"])
    assert chosen.exit_code == 0, chosen.output


@pytest.mark.parametrize(("cpus", "workers"), [(None, 2), (1, 2), (2, 2), (8, 8)])
def test_serve_runs_one_single_threaded_worker_per_cpu_by_default(monkeypatch, cpus, workers):
    """Issue 11: under a burst of scans, threads of one process queue for one CPU (more threads, slower scans), so
    `points serve` starts a process per CPU with one thread each, and never fewer than two processes."""
    from click.testing import CliRunner

    from points import cli

    monkeypatch.setattr(cli.os, "cpu_count", lambda: cpus)
    assert cli.default_workers() == workers
    shown = CliRunner().invoke(cli.serve, ["--help"]).output
    assert "one per CPU" in shown and "[default: 1]" in shown
