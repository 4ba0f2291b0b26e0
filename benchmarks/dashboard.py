"""Staff dashboard and public books: server time and SQL statements per page on a large ledger.

    python benchmarks/dashboard.py [--residents 100000] [--transactions 1000000] [--requests 50] [--db PATH | --url URL]

Reuses the wallet benchmark's data (`benchmarks/wallet.py`, built once into the same database file if missing):
20 communities in one street; adds (once) 500 proposals per community through every stage with ratings, and
5 000 confirmed volunteer records per community, so that the proposal and volunteering figures the dashboard
shows read tables of a realistic size. Times GET /staff/dashboard/<community> as that community's staff, GET
/staff/dashboard as the street's admin (20 communities side by side) and GET /books/<community> logged out, for
the month the data ends in; prints median and p95 and the SQL statements of one request (they must not grow with
residents or transactions).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import event, func, insert, select, text

from points import clock, create_app
from points.accounts.models import Resident, RoleGrant
from points.db import db
from points.ledger.models import Transaction
from points.units.models import Unit


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
    listener = lambda *_a: statements.append(1)
    event.listen(engine, "before_cursor_execute", listener)
    client.get(url)
    event.remove(engine, "before_cursor_execute", listener)
    timings.sort()
    return statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)], len(statements)


def seed_matters(communities: list, per_community: int = 500, records: int = 5000) -> None:
    """Proposals in every state (with transitions, deadlines and ratings) and confirmed volunteer records, bulk
    inserted; dates spread over the ledger's year."""
    import random

    from points.checkin.models import Venue
    from points.proposals.models import (
        Proposal,
        ProposalState,
        ProposalTransition,
        Rating,
    )
    from points.volunteering.models import Activity, ServiceRecord

    rng = random.Random(11)
    states = [s.value for s in ProposalState]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for c in communities:
        people = db.session.scalars(select(Resident.id).where(Resident.community_id == c.id).limit(2000)).all()
        units = db.session.scalars(select(Unit.id).where(Unit.path.startswith(c.path))).all()
        venue = Venue(community_id=c.id, unit_id=c.id, kind="hall", name=f"议事厅{c.id}", poster_token=f"bench-venue-{c.id}")
        db.session.add(venue)
        db.session.flush()
        proposals, transitions, ratings = [], [], []
        first = db.session.scalar(select(func.coalesce(func.max(Proposal.id), 0))) + 1
        for i in range(per_community):
            pid = first + i
            submitted = start + timedelta(hours=rng.randint(0, 24 * 300))
            state = rng.choice(states)
            screened = submitted + timedelta(days=rng.randint(1, 8)) if state != "submitted" else None
            done = screened + timedelta(days=rng.randint(10, 40)) if state in ("done", "confirmed", "archived") and screened else None
            implementing = screened + timedelta(days=5) if done or state == "implementing" else None
            proposals.append({
                "id": pid, "community_id": c.id, "unit_id": rng.choice(units), "proposer_id": rng.choice(people),
                "entered_by_id": rng.choice(people), "submit_token": f"bench-{pid}", "title": f"议题{pid}",
                "state": state, "submitted_at": submitted, "screening_due_at": submitted + timedelta(days=7),
                "screened_at": screened,
                "owner_kind": "party_member" if implementing and i % 3 == 0 else ("staff" if implementing else None),
                "owner_id": rng.choice(people) if implementing else None,
                "due_on": (implementing + timedelta(days=20)).date() if implementing else None, "done_at": done,
                "archived_at": done + timedelta(days=8) if done and state == "archived" else None,
                "state_changed_at": done or screened or submitted})
            if implementing:
                transitions.append({"proposal_id": pid, "from_state": "publicised", "to_state": "implementing",
                                    "created_at": implementing})
            if done:
                ratings += [{"proposal_id": pid, "resident_id": r, "stars": rng.randint(1, 5), "created_at": done}
                            for r in rng.sample(people, 5)]
        db.session.execute(insert(Proposal), proposals)
        db.session.execute(insert(ProposalTransition), transitions)
        db.session.execute(insert(Rating), ratings)
        rows = []
        for k in range(records // 100):  # a record is one volunteer's at one activity
            activity = Activity(community_id=c.id, unit_id=c.id, venue_id=venue.id, title="志愿服务", starts_at=start,
                                ends_at=start + timedelta(hours=2), slots=100, secret="x", kiosk_token=f"bench-act-{c.id}-{k}")
            db.session.add(activity)
            db.session.flush()
            for person in rng.sample(people, 100):
                ended = start + timedelta(hours=rng.randint(2, 24 * 300))
                minutes = rng.choice((60, 90, 120))
                rows.append({"community_id": c.id, "activity_id": activity.id, "resident_id": person,
                             "started_at": ended - timedelta(minutes=minutes), "ended_at": ended, "minutes": minutes,
                             "status": "confirmed", "confirmed_minutes": minutes, "revision": 1, "points": 0})
        db.session.execute(insert(ServiceRecord), rows)
    db.session.commit()


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
        from points.proposals.models import Proposal

        if db.session.scalar(select(Proposal.id).limit(1)) is None:
            started = time.perf_counter()
            seed_matters(list(db.session.scalars(select(Unit).where(Unit.level == "community").order_by(Unit.id))))
            print(f"proposals and volunteer records added in {time.perf_counter() - started:.0f} s")
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
    clock.set(last if last.tzinfo else last.replace(tzinfo=UTC))  # "now" is the data's last month
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
