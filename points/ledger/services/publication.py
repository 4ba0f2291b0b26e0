"""What the ledger publishes about itself: each verify run, and each day's chain head per community.

Both tables are append-only. The public books (明白账, in the oversight domain) read them; `points ledger verify`
checks every published head against the chain, and `--against FILE` checks heads somebody saved earlier.
"""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from ... import clock
from ...db import db, transaction, utcnow
from ..models import ChainHead, PublishedHead, VerifyRun
from .booking import insert_ignore


@transaction
def record_verify_run(report, *, started_at: datetime, against: str = "", now: datetime | None = None) -> VerifyRun:
    """Keep the outcome of one verify run (the `Report` of `verify_ledger`)."""
    first = report.first_problem
    run = VerifyRun(
        started_at=started_at, finished_at=now or utcnow(), is_ok=report.ok, transactions=report.transactions,
        accounts=report.accounts, problem_count=len(report.problems), first_problem=str(first)[:500] if first else "",
        against=against[:200], totals=json.dumps({str(k): v for k, v in sorted(report.totals.items())}),
    )
    db.session.add(run)
    db.session.flush()
    return run


@transaction
def publish_heads(*, now: datetime | None = None) -> int:
    """Publish every community's chain head under today's local date; a day already published keeps its first
    head (append-only). Returns how many heads were published by this call."""
    now = now or utcnow()
    day = clock.local_date(now)
    published = 0
    for head in db.session.scalars(select(ChainHead).where(ChainHead.seq > 0).order_by(ChainHead.community_id)):
        result = db.session.execute(insert_ignore(
            PublishedHead, community_id=head.community_id, day=day, seq=head.seq, hash=head.last_hash, published_at=now,
        ))
        published += result.rowcount or 0
    return published


def last_verify_run() -> VerifyRun | None:
    return db.session.scalar(select(VerifyRun).order_by(VerifyRun.finished_at.desc(), VerifyRun.id.desc()).limit(1))


def published_heads(community_id: int, *, limit: int | None = None) -> list[PublishedHead]:
    stmt = select(PublishedHead).where(PublishedHead.community_id == community_id).order_by(PublishedHead.day.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


REBUILD_HOURLY = {
    "postgresql": "date_trunc('hour', t.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'",
    "sqlite": "strftime('%Y-%m-%d %H:00:00.000000', t.created_at)",
}


@transaction
def rebuild_hourly_totals() -> int:
    """Recompute the hourly totals from the postings (after a bulk load that bypassed `book`, e.g. a benchmark's);
    the migration that added them does the same. Returns the number of hours written."""
    from sqlalchemy import delete, text

    from ..models import HourlyTotal

    db.session.execute(delete(HourlyTotal))
    hour = REBUILD_HOURLY[db.session.get_bind().dialect.name]
    return db.session.execute(text(
        "INSERT INTO ledger_hourly_totals (community_id, kind, hour, amount) "
        f"SELECT a.community_id, a.kind, {hour}, SUM(p.amount) FROM ledger_postings p "
        "JOIN ledger_transactions t ON t.id = p.transaction_id JOIN accounts a ON a.id = p.account_id "
        f"WHERE a.kind <> 'wallet' GROUP BY a.community_id, a.kind, {hour}"
    )).rowcount or 0
