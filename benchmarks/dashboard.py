"""Staff dashboard and public books: server time and SQL statements per page on a large ledger.

    python benchmarks/dashboard.py [--residents 100000] [--transactions 1000000] [--requests 50] [--db PATH | --url URL]

Reuses the wallet benchmark's data (`benchmarks/wallet.py`, built once into the same database file if missing):
20 communities in one street. Times GET /staff/dashboard/<community> as that community's staff, GET
/staff/dashboard as the street's admin (20 communities side by side) and GET /books/<community> logged out, for
the month the data ends in; prints median and p95 and the SQL statements of one request (they must not grow with
residents or transactions).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event, insert, select, text  # noqa: E402

from points import clock, create_app  # noqa: E402
from points.accounts.models import Resident, RoleGrant  # noqa: E402
from points.db import db  # noqa: E402
from points.ledger.models import Transaction  # noqa: E402
from points.units.models import Unit  # noqa: E402


def measure(app, user_id: str | None, url: str, requests: int) -> tuple[float, float, int]:
    client = app.test_client()
    if user_id is not None:
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
    with app.app_context():
        engine = db.engine
    for _ in range(5):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    statements = []
    listener = lambda *_a: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    client.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)], len(statements)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--db", type=Path, default=Path(__file__).resolve().parent / "out" / "wallet.sqlite3")
    parser.add_argument("--url", help="a PostgreSQL URL instead of the SQLite file (built there if empty)")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = args.url or f"sqlite:///{args.db}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        with db.engine.begin() as conn:  # an older benchmark file predates the books' index
            conn.execute(text("CREATE INDEX IF NOT EXISTS ix_ledger_transactions_community_created "
                              "ON ledger_transactions (community_id, created_at)"))
        if db.session.scalar(select(Transaction.id).limit(1)) is None:
            from wallet import build

            build(args.residents, args.transactions)
        from points.ledger.models import HourlyTotal
        from points.ledger.services import rebuild_hourly_totals

        if db.session.scalar(select(HourlyTotal.hour).limit(1)) is None:  # the bulk load bypassed `book`
            print(f"hourly totals rebuilt: {rebuild_hourly_totals()} hours")
        last = db.session.scalar(select(Transaction.created_at).order_by(Transaction.id.desc()).limit(1))
        community = db.session.scalar(select(Unit).where(Unit.level == "community").order_by(Unit.id))
        street = db.session.scalar(select(Unit).where(Unit.level == "street"))
        staff = db.session.scalar(select(Resident).where(Resident.community_id == community.id).order_by(Resident.id))
        admin = db.session.scalar(select(Resident).where(Resident.community_id == community.id).order_by(Resident.id.desc()))
        if not db.session.scalar(select(RoleGrant.id).limit(1)):
            db.session.execute(insert(RoleGrant), [
                {"resident_id": staff.id, "unit_id": community.id, "role": "staff"},
                {"resident_id": admin.id, "unit_id": street.id, "role": "admin"}])
            db.session.commit()
        ids = (staff.get_id(), admin.get_id(), community.id)
        n_res = db.session.query(Resident).count()
        n_tx = db.session.query(Transaction).count()
    clock.set(last if last.tzinfo else last.replace(tzinfo=timezone.utc))  # "now" is the data's last month
    print(f"data: {n_res} residents, {n_tx} transactions ({url.split(':')[0]}); month {clock.local().strftime('%Y-%m')}")
    for label, user, path in (
        ("GET /staff/dashboard/<community> (staff)", ids[0], f"/staff/dashboard/{ids[2]}"),
        ("GET /staff/dashboard (street admin, 20 communities)", ids[1], "/staff/dashboard"),
        ("GET /books/<community> (public)", None, f"/books/{ids[2]}"),
    ):
        median, p95, queries = measure(app, user, path, args.requests)
        print(f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms, {queries} SQL statements ({args.requests} requests)")


if __name__ == "__main__":
    main()
