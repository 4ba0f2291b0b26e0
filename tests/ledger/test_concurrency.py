"""Concurrent writers on the real engines: PostgreSQL (row locks) and SQLite (BEGIN IMMEDIATE)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from points.accounts.models import Resident
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import Account, AccountKind, Transaction
from points.ledger.verify import verify_ledger

from ..factories import Factory
from .actions import MEETING_ATTENDED, RATING, SUGGESTION
from ..helpers import race

THREADS = 20




def setup_resident(app, points):
    with app.app_context():
        make = Factory()
        community = make.community()
        staff, resident = make.staff(community), make.resident(community)
        ledger.award_manually(resident, points, staff=staff, reason="开户", key="seed")
        return resident.id


def test_twenty_spends_against_a_balance_for_five(any_app):
    resident_id = setup_resident(any_app, 50)

    def spend(i):
        resident = db.session.get(Resident, resident_id)
        ledger.hold(resident, 10, key=f"spend:{i}", cause=("redemption", i))
        return "ok"

    results = Counter(race(any_app, THREADS, spend))
    assert results == {"ok": 5, "insufficient_points": 15}
    with any_app.app_context():
        resident = db.session.get(Resident, resident_id)
        assert ledger.balance_of(resident) == 0
        assert db.session.scalar(select(func.min(Account.balance)).where(Account.kind != AccountKind.ISSUANCE)) >= 0
        assert verify_ledger().ok


def test_twenty_identical_awards_book_once(any_app):
    resident_id = setup_resident(any_app, 1)

    def same_award(i):
        resident = db.session.get(Resident, resident_id)
        return ledger.award(resident, MEETING_ATTENDED, key="checkin:meeting:1:resident:1", cause=("checkin", 1)).transaction.id

    ids = race(any_app, THREADS, same_award)
    assert len(set(ids)) == 1
    with any_app.app_context():
        assert ledger.balance_of(db.session.get(Resident, resident_id)) == 11
        assert db.session.scalar(select(func.count(Transaction.id))) == 2
        assert verify_ledger().ok


def test_concurrent_awards_to_many_residents_keep_one_unbroken_chain(any_app):
    with any_app.app_context():
        make = Factory()
        community = make.community()
        resident_ids = [make.resident(community).id for _ in range(THREADS)]

    def award(i):
        resident = db.session.get(Resident, resident_ids[i])
        return ledger.award(resident, RATING, key=f"rate:{i}", cause=("proposal", i)).transaction.seq

    seqs = race(any_app, THREADS, award)
    assert sorted(seqs) == list(range(1, THREADS + 1))
    with any_app.app_context():
        assert verify_ledger().ok


def test_twenty_suggestions_at_once_count_only_the_daily_cap(any_app):
    resident_id = setup_resident(any_app, 1)

    def suggest(i):
        resident = db.session.get(Resident, resident_id)
        outcome = ledger.award(resident, SUGGESTION, key=f"suggestion:{i}", cause=("proposal", i))
        return "awarded" if outcome.awarded else outcome.refusal.reason_code

    assert Counter(race(any_app, THREADS, suggest)) == {"awarded": 3, "daily_cap": 17}
    with any_app.app_context():
        assert ledger.balance_of(db.session.get(Resident, resident_id)) == 1 + 3 * 2
        assert verify_ledger().ok
