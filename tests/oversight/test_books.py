"""明白账: the public books agree with `points ledger verify`, show a failed verification after tampering, and
publish daily chain heads that `verify --against` checks a saved copy with."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from points.accounts.permissions import SYSTEM
from points.checkin.earning import MEETING_ATTENDED
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import Account, AccountKind, ChainHead, Posting, PublishedHead, Transaction, VerifyRun
from points.ledger.services import chain_hash

NOV_1_SHANGHAI = datetime(2026, 10, 31, 16, 30, tzinfo=timezone.utc)  # 00:30 on 1 November in Shanghai


def _books(make, clock):
    community = make.community()
    staff = make.staff(community)
    a, b = make.resident(community), make.resident(community)
    clock.set(NOV_1_SHANGHAI - timedelta(hours=1))  # 23:30 on 31 October, local
    ledger.award(a, MEETING_ATTENDED, key="m1", cause=("test", 1))
    clock.set(NOV_1_SHANGHAI)
    ledger.award_manually(b, 40, staff=staff, reason="补录", key="manual-b")
    held = ledger.hold(b, 15, key="h1", cause=("redemption", 1))
    ledger.settle(held, actor=SYSTEM)
    ledger.hold(a, 4, key="h2", cause=("redemption", 2))
    db.session.commit()
    return community


def _by_kind(community_id: int) -> dict[str, int]:
    """Recomputed here from the postings, not from any cached balance."""
    rows = db.session.execute(
        select(Account.kind, func.sum(Posting.amount)).join(Posting, Posting.account_id == Account.id)
        .where(Account.community_id == community_id).group_by(Account.kind)
    ).all()
    sums = dict(rows)
    return {"issued": -sums.get("issuance", 0), "held": sums.get("holds", 0), "redeemed": sums.get("redeemed", 0),
            "outstanding": sums.get("wallet", 0)}


def _figure(page: str, testid: str) -> int:
    return int(re.search(rf'data-testid="{testid}">(-?\d+)<', page).group(1))


def test_the_books_agree_with_verify_and_the_postings(app, make, clock, client, runner):
    community = _books(make, clock)
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    run = db.session.scalar(select(VerifyRun))
    assert run.is_ok and run.transactions == 5 and run.problem_count == 0
    expected = _by_kind(community.id)
    assert expected == {"issued": 50, "held": 4, "redeemed": 15, "outstanding": 31}
    assert run.totals_for(community.id) == expected

    page = client.get(f"/books/{community.id}").get_data(as_text=True)  # no login
    assert 'data-testid="verify-ok"' in page
    for key, value in expected.items():
        assert _figure(page, key) == value
    months = re.findall(r"<th scope=\"row\">(\d{4}-\d{2})</th><td>(-?\d+)</td><td>(-?\d+)</td><td>(-?\d+)</td><td>(-?\d+)</td>", page)
    by_month = {m: tuple(map(int, rest)) for m, *rest in months}
    # 23:30 on 31 October (Shanghai) is October; 00:30 on 1 November is November, whatever UTC says.
    assert by_month["2026-10"] == (10, 0, 0, 10)
    assert by_month["2026-11"] == (40, 15, 4, 31)


def test_a_tampered_database_shows_a_failed_verification_after_the_next_run(app, make, clock, client, runner):
    community = _books(make, clock)
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    posting = db.session.scalars(select(Posting).order_by(Posting.id)).first()
    db.session.execute(Posting.__table__.update().where(Posting.__table__.c.id == posting.id).values(amount=posting.amount - 100))
    db.session.commit()
    assert 'data-testid="verify-ok"' in client.get(f"/books/{community.id}").get_data(as_text=True)  # until it runs
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    page = client.get(f"/books/{community.id}").get_data(as_text=True)
    assert 'data-testid="verify-failed"' in page and "tampered" in page


def _rewrite_history(community_id: int) -> None:
    """What someone with write access could do: change an old memo and recompute every hash after it."""
    txs = db.session.scalars(select(Transaction).where(Transaction.community_id == community_id).order_by(Transaction.seq)).all()
    txs[0].memo = "改写"
    prev = ""
    for tx in txs:
        tx.prev_hash = prev
        tx.hash = chain_hash(tx, sorted((p.account_id, p.amount) for p in tx.postings))
        prev = tx.hash
    head = db.session.get(ChainHead, community_id)
    head.last_hash = prev
    db.session.commit()


def test_published_heads_are_append_only_and_verify_against_a_saved_copy_detects_a_rewrite(
        app, make, clock, client, runner, tmp_path):
    community = _books(make, clock)
    assert runner.invoke(args=["ledger", "publish-heads"]).exit_code == 0
    assert runner.invoke(args=["ledger", "publish-heads"]).exit_code == 0  # same local day: the first head stays
    assert db.session.scalar(select(func.count(PublishedHead.id))) == 1
    clock.advance(days=1)
    ledger.award_manually(make.resident(community), 5, staff=make.staff(community), reason="x", key="later")
    assert ledger.publish_heads() == 1
    heads = client.get(f"/books/{community.id}/heads.csv")
    assert heads.status_code == 200
    saved = tmp_path / "heads.csv"
    saved.write_bytes(heads.data)
    assert runner.invoke(args=["ledger", "verify", "--against", str(saved)]).exit_code == 0

    _rewrite_history(community.id)
    # The published heads in the database catch it...
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "published_head_mismatch" in result.output
    # ...and if the rewriter deletes them too, the saved copy still does.
    db.session.execute(PublishedHead.__table__.delete())
    db.session.commit()
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    result = runner.invoke(args=["ledger", "verify", "--against", str(saved)])
    assert result.exit_code == 1 and "saved_head_mismatch" in result.output
    page = client.get(f"/books/{community.id}").get_data(as_text=True)
    assert 'data-testid="verify-failed"' in page


def test_verify_against_refuses_a_file_that_is_not_a_heads_list(app, runner, tmp_path):
    junk = tmp_path / "junk.csv"
    junk.write_text("hello,world\n")
    result = runner.invoke(args=["ledger", "verify", "--against", str(junk)])
    assert result.exit_code == 2 and "community_id,date,seq,hash" in result.output


def test_the_books_of_no_such_community_are_404(client, make):
    building = make.building(make.community())
    assert client.get(f"/books/{building.id}").status_code == 404
    assert client.get("/books/999999").status_code == 404


def test_verify_checks_the_hourly_totals_the_books_read(app, make, clock):
    from points.ledger.models import HourlyTotal
    from points.ledger.verify import verify_ledger

    _books(make, clock)
    booked = sorted((r.community_id, r.kind, r.hour, r.amount) for r in db.session.scalars(select(HourlyTotal)))
    assert ledger.rebuild_hourly_totals() == len(booked)
    assert sorted((r.community_id, r.kind, r.hour, r.amount) for r in db.session.scalars(select(HourlyTotal))) == booked
    assert verify_ledger().ok
    db.session.execute(HourlyTotal.__table__.update().values(amount=HourlyTotal.__table__.c.amount - 1))
    db.session.commit()
    report = verify_ledger()
    assert {p.code for p in report.problems} == {"summary_mismatch"}


def test_on_postgresql_a_verify_run_is_recorded_and_the_hourly_totals_rebuild_identically(pg_app):
    from points.ledger.models import HourlyTotal

    from ..conftest import Clock
    from ..factories import Factory

    with pg_app.app_context():
        from points import clock as points_clock

        try:
            _books(Factory(), Clock())
            booked = sorted((r.community_id, r.kind, r.hour, r.amount) for r in db.session.scalars(select(HourlyTotal)))
            ledger.rebuild_hourly_totals()
            assert sorted((r.community_id, r.kind, r.hour, r.amount) for r in db.session.scalars(select(HourlyTotal))) == booked
        finally:
            points_clock.set(None)
    result = pg_app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0, result.output
    assert pg_app.test_cli_runner().invoke(args=["ledger", "publish-heads"]).exit_code == 0
    with pg_app.app_context():
        run = ledger.last_verify_run()
        assert run.is_ok and run.transactions == 5
        assert db.session.scalar(select(func.count(PublishedHead.id))) == 1
