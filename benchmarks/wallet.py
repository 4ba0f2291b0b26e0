"""Wallet page server time and query count on a large SQLite ledger.

    python benchmarks/wallet.py [--residents 100000] [--transactions 1000000] [--requests 300] [--db PATH]

Builds (once; reused if PATH exists) a SQLite database with the given number of residents and award
transactions, hash-chained exactly as the ledger books them, then times GET /wallet in-process for a resident
with 500 transactions and for one with 5, and counts the SQL statements each request runs.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from points import create_app  # noqa: E402
from points.accounts.models import Resident  # noqa: E402
from points.db import db  # noqa: E402
from points.ledger.models import Account, ChainHead, Posting, Transaction  # noqa: E402
from points.ledger.services import chain_hash  # noqa: E402
from points.units.models import Unit  # noqa: E402

COMMUNITIES = 20
HEAVY, LIGHT = 500, 5


def build(residents: int, transactions: int) -> None:
    rng = random.Random(7)
    started = time.perf_counter()
    units, buildings_by_community = [], {}
    uid = 0

    def unit(name, level, parent):
        nonlocal uid
        uid += 1
        path = (parent["path"] if parent else "/") + f"{uid}/"
        row = {"id": uid, "parent_id": parent["id"] if parent else None, "level": level, "name": name, "path": path}
        units.append(row)
        return row

    district = unit("基准区", "district", None)
    street = unit("基准街道", "street", district)
    communities = []
    for c in range(COMMUNITIES):
        community = unit(f"社区{c}", "community", street)
        communities.append(community)
        buildings_by_community[community["id"]] = []
        for k in range(5):
            compound = unit(f"小区{k}", "compound", community)
            for b in range(10):
                buildings_by_community[community["id"]].append(unit(f"{b + 1}号楼", "building", compound)["id"])
    db.session.execute(insert(Unit), units)

    pw = generate_password_hash("bench-pass-1", method="pbkdf2:sha256:1000")
    people, wallets = [], []
    community_of = {}
    for r in range(1, residents + 1):
        community = communities[r % COMMUNITIES]["id"]
        community_of[r] = community
        people.append({"id": r, "name": f"居民{r}", "phone": f"13{r:09d}", "password_hash": pw,
                       "unit_id": rng.choice(buildings_by_community[community]), "community_id": community,
                       "member_code": f"B{r:07d}", "session_token": f"{r:032x}", "is_volunteer": False, "is_party_member": False,
                       "is_active_account": True, "created_at": datetime(2026, 1, 1, tzinfo=timezone.utc)})
        wallets.append({"id": r, "community_id": community, "kind": "wallet", "resident_id": r, "balance": 0, "lifetime_earned": 0})
    db.session.execute(insert(Resident), people)
    issuance = {}
    for i, community in enumerate(communities):
        issuance[community["id"]] = residents + 1 + i
        wallets.append({"id": residents + 1 + i, "community_id": community["id"], "kind": "issuance", "resident_id": None, "balance": 0, "lifetime_earned": 0})

    db.session.execute(insert(Account), wallets)

    # Resident 1 gets HEAVY transactions, resident 2 gets LIGHT, the rest are spread at random.
    owners = [1] * HEAVY + [2] * LIGHT + [rng.randint(3, residents) for _ in range(transactions - HEAVY - LIGHT)]
    rng.shuffle(owners)
    seq = {c["id"]: 0 for c in communities}
    last = {c["id"]: "" for c in communities}
    balance = {}
    start_time = datetime(2026, 1, 1, tzinfo=timezone.utc)
    tx_rows, posting_rows = [], []
    for n, owner in enumerate(owners, start=1):
        community = community_of[owner]
        seq[community] += 1
        amount = rng.choice((1, 2, 10, 20))
        tx = SimpleNamespace(
            id=n, community_id=community, seq=seq[community], kind="award", idempotency_key=f"bench:{n}",
            cause_type="bench", cause_id=n, actor_id=None, resident_id=owner, action="meeting_attended",
            memo="红叶亭话", reason="", reverses_id=None, created_at=start_time + timedelta(seconds=n * 25), prev_hash=last[community],
        )
        lines = sorted([(issuance[community], -amount), (owner, amount)])
        tx.hash = chain_hash(tx, lines)
        last[community] = tx.hash
        tx_rows.append(dict(vars(tx)))
        posting_rows += [{"transaction_id": n, "account_id": a, "amount": x} for a, x in lines]
        balance[owner] = balance.get(owner, 0) + amount
        balance[issuance[community]] = balance.get(issuance[community], 0) - amount
        if len(tx_rows) >= 50_000:
            db.session.execute(insert(Transaction), tx_rows)
            db.session.execute(insert(Posting), posting_rows)
            tx_rows, posting_rows = [], []
    if tx_rows:
        db.session.execute(insert(Transaction), tx_rows)
        db.session.execute(insert(Posting), posting_rows)
    db.session.execute(Account.__table__.update().where(Account.__table__.c.id == db.bindparam("aid")).values(
        balance=db.bindparam("bal"), lifetime_earned=db.bindparam("life")),
        [{"aid": a, "bal": b, "life": b if a <= residents else 0} for a, b in balance.items()])
    db.session.execute(insert(ChainHead), [{"community_id": c, "seq": seq[c], "last_hash": last[c]} for c in seq])
    db.session.commit()
    from points.ledger.services import rebuild_hourly_totals

    rebuild_hourly_totals()  # the bulk load bypassed `book`, which keeps them
    print(f"built in {time.perf_counter() - started:.0f} s")


def measure(app, resident_id: int, requests: int) -> tuple[float, float, int]:
    client = app.test_client()
    with app.app_context():
        user_id = db.session.get(Resident, resident_id).get_id()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    statements = []
    with app.app_context():
        engine = db.engine

    def count(*_args):
        statements.append(1)

    for _ in range(20):  # warm up caches and connections
        assert client.get("/wallet").status_code == 200
    timings = []
    for _ in range(requests):
        t = time.perf_counter()
        response = client.get("/wallet")
        timings.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    event.listen(engine, "before_cursor_execute", count)
    client.get("/wallet")
    event.remove(engine, "before_cursor_execute", count)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(statements)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--db", type=Path, default=Path(__file__).resolve().parent / "out" / "wallet.sqlite3")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        if db.session.scalar(select(Transaction.id).limit(1)) is None:
            build(args.residents, args.transactions)
        n_res = db.session.query(Resident).count()
        n_tx = db.session.query(Transaction).count()
    print(f"machine: {os.cpu_count()} CPUs; data: {n_res} residents, {n_tx} transactions, {COMMUNITIES} communities "
          f"(SQLite, {args.db.stat().st_size / 1e6:.0f} MB)")
    for resident_id, label in ((1, f"{HEAVY} transactions"), (2, f"{LIGHT} transactions")):
        median, p95, queries = measure(app, resident_id, args.requests)
        print(f"GET /wallet, resident with {label}: median {median:.2f} ms, p95 {p95:.2f} ms, {queries} SQL statements ({args.requests} requests)")
    with app.app_context():
        from points.ledger.verify import verify_ledger

        t = time.perf_counter()
        report = verify_ledger()
        print(f"points ledger verify: {'OK' if report.ok else 'FAILED'} over {report.transactions} transactions in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
