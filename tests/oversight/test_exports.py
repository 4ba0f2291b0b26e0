"""Exports: within the exporter's communities, for the period, as CSV or .xlsx that the library opens with the
right rows; a 100 000-row export streams in bounded memory."""
from __future__ import annotations

import csv
import inspect
import io
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin.earning import MEETING_ATTENDED
from points.db import db
from points.exports import csv_lines
from points.ledger import services as ledger
from points.oversight import exports
from points.units.models import Level
from points.units.services import create_unit

from ..factories import Factory
from ..helpers import login
from ..matters import November

AT = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def _world(make, clock):
    clock.set(AT)
    a, b = make.community(), make.community()
    staff = make.staff(a)
    residents = [make.resident(a, name=f"=居民{i}") for i in range(3)]
    for i, resident in enumerate(residents):
        ledger.award(resident, MEETING_ATTENDED, key=f"m{i}", cause=("test", i))
    clock.set(datetime(2026, 12, 5, tzinfo=UTC))
    ledger.award(residents[0], MEETING_ATTENDED, key="december", cause=("test", 9))  # another month
    ledger.award(make.resident(b), MEETING_ATTENDED, key="b", cause=("test", 10))  # another community
    return a, b, staff


def test_csv_and_xlsx_of_the_period_within_the_exporters_community(client, make, clock):
    a, b, staff = _world(make, clock)
    login(client, staff)
    response = client.get(f"/staff/exports/{a.id}/transactions.csv?period=month&at=2026-11")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 + 3
    assert {row[5] for row in rows[1:]} == {"'=居民0", "'=居民1", "'=居民2"}  # the formula guard
    assert {row[7] for row in rows[1:]} == {"10"}

    xlsx = client.get(f"/staff/exports/{a.id}/transactions.xlsx?period=month&at=2026-11")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 4 and sorted(v[5] for v in values[1:]) == ["=居民0", "=居民1", "=居民2"]
    assert all(v[7] == 10 for v in values[1:])

    for what in ("attendance", "redemptions"):
        assert client.get(f"/staff/exports/{a.id}/{what}.xlsx?period=year&at=2026").status_code == 200
    assert client.get(f"/staff/exports/{b.id}/transactions.csv").status_code == 404
    assert client.get(f"/staff/exports/{a.id}/passwords.csv").status_code == 404
    assert client.get(f"/staff/exports/{a.id}/transactions.pdf").status_code == 404


def test_export_pages_through_the_rows_in_order(make, clock, monkeypatch):
    a, _, _ = _world(make, clock)
    monkeypatch.setattr(exports, "BATCH", 2)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    ids = [row[0] for row in exports.transactions(a.id, start, end)]
    assert len(ids) == 4 and ids == sorted(ids)


def _rows(count: int):
    for i in range(count):
        yield [i, f"2026-11-{i % 28 + 1:02d} 10:00:00", "award", "meeting_attended", f"居民{i}", f"M{i:08d}", 10, "红叶亭话", "", "f" * 64]


def test_a_100000_row_export_streams_in_bounded_memory(tmp_path):
    tracemalloc.start()
    size = 0
    for piece in csv_lines(["id"] * 10, _rows(100_000)):
        size += len(piece)
    csv_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert size > 10_000_000  # over 10 MB of CSV went through…
    assert csv_peak < 1_000_000, csv_peak  # …holding under 1 MB at any moment
    # The workbook in a process of its own, measured by its peak resident memory (tracemalloc would make this
    # minutes): after a small warm-up export, 100 000 rows may not raise the peak by 16 MB; a workbook built in
    # memory raises it by about 250 MB.
    path = tmp_path / "big.xlsx"
    script = (
        "import resource, sys\n"
        "from points.exports import xlsx_file\n"
        f"exec({inspect.getsource(_rows)!r})\n"
        f"xlsx_file({str(tmp_path / 'warm.xlsx')!r}, 'Transactions', ['id'] * 10, _rows(1_000))\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"rows = xlsx_file({str(path)!r}, 'Transactions', ['id'] * 10, _rows(100_000))\n"
        "print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    rows, grown_kib = map(int, done.stdout.split())
    assert rows == 100_000
    assert grown_kib < 16 * 1024, f"the export's peak grew by {grown_kib} KiB"
    sheet = load_workbook(path, read_only=True).active
    assert sheet.max_row == 100_001


def _november(clock):
    clock.set(datetime(2026, 12, 5, tzinfo=UTC))
    world = November()
    world.serve(world.m, start=datetime(2026, 11, 20, 6, tzinfo=UTC), hours=2)
    world.serve(world.n, start=datetime(2026, 10, 20, 6, tzinfo=UTC), hours=3)  # another month
    return world


def test_volunteer_hours_of_the_period_as_csv_and_xlsx(client, app, ctx, clock):
    world = _november(clock)
    login(client, world.staff)
    response = client.get(f"/staff/exports/{world.c.id}/volunteer-hours.csv?period=month&at=2026-11")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and rows[1][2] == "党员甲" and rows[1][7] == "2.0" and rows[1][8] == "confirmed"
    assert rows[1][1].startswith("'+楼道清洁")  # the formula guard
    xlsx = client.get(f"/staff/exports/{world.c.id}/volunteer-hours.xlsx?period=year&at=2026")
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 3 and sorted(v[7] for v in values[1:]) == [2, 3]
    assert all(v[1].startswith("+楼道清洁") for v in values[1:])  # text in a cell, not a formula


def test_proposals_made_or_concluded_in_the_period_as_csv_and_xlsx(client, app, ctx, clock):
    world = _november(clock)
    world.case("=HYPERLINK(\"http://x\")", submitted=datetime(2026, 11, 3, tzinfo=UTC), unit=world.c)
    db.session.commit()
    login(client, world.staff)
    response = client.get(f"/staff/exports/{world.c.id}/proposals.csv?period=month&at=2026-11")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    # made in November: B E H I J and the new one; done: A B L; archived: B F (not D, G, Q, nor the other community)
    assert sorted(row[1] for row in rows[1:]) == sorted(["'=HYPERLINK(\"http://x\")", "A", "B", "E", "F", "H", "I", "J", "L"])
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title["A"][17:19] == ["2", "4.5"] and by_title["A"][15] == "2026-11-10"
    assert by_title["H"][-1] == "yes" and by_title["E"][-1] == "yes" and by_title["A"][-1] == ""  # overdue now
    xlsx = client.get(f"/staff/exports/{world.c.id}/proposals.xlsx?period=month&at=2026-11")
    assert xlsx.status_code == 200
    values = list(load_workbook(io.BytesIO(xlsx.data), read_only=True).active.iter_rows(values_only=True))
    assert len(values) == 1 + 9 and "=HYPERLINK(\"http://x\")" in [v[1] for v in values]
    assert {v[1]: v for v in values[1:]}["B"][17] == 1


@pytest.mark.parametrize("what", ["volunteer-hours", "proposals"])
def test_the_new_exports_stay_within_the_exporters_units(client, app, ctx, clock, what):
    world = _november(clock)
    elsewhere = create_unit("别处社区", Level.COMMUNITY, parent=create_unit("别处街道", Level.STREET, parent=world.c.parent.parent))
    other_staff = Factory().staff(world.other)
    login(client, other_staff)
    assert client.get(f"/staff/exports/{world.c.id}/{what}.csv").status_code == 404
    assert client.get(f"/staff/exports/{world.other.id}/{what}.xlsx").status_code == 200
    street_admin = Factory().resident(world.other)
    accounts.grant_role(street_admin, Role.ADMIN, world.c.parent, admin=SYSTEM)
    login(client, street_admin)
    for community in (world.c, world.other):
        assert client.get(f"/staff/exports/{community.id}/{what}.csv?period=month&at=2026-11").status_code == 200
    assert client.get(f"/staff/exports/{elsewhere.id}/{what}.csv").status_code == 404
