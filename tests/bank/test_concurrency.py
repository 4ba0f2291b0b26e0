"""Races on the real engines: PostgreSQL (row locks, READ COMMITTED) and SQLite (BEGIN IMMEDIATE).

Each thread has its own app context and so its own session and connection, as each request has in production.
"""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from points.accounts.models import Resident
from points.bank import services
from points.bank.models import Redemption, RedemptionState, Reward
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import Account, AccountKind
from points.ledger.verify import verify_ledger

from ..factories import Factory
from ..helpers import race
from .conftest import BankWorld


def assert_books_clean(app, reward_id):
    with app.app_context():
        assert db.session.scalar(select(func.min(Account.balance)).where(Account.kind != AccountKind.ISSUANCE)) >= 0
        report = verify_ledger()
        assert report.ok, report.problems
        assert "bank stock" in report.checked
        return db.session.get(Reward, reward_id)


def test_thirty_residents_race_for_the_last_three_units(any_app):
    with any_app.app_context():
        world = BankWorld(Factory())
        reward_id = world.reward(price=10, stock=3).id
        resident_ids = [world.resident(points=20).id for _ in range(30)]

    def ask(i):
        resident, reward = db.session.get(Resident, resident_ids[i]), db.session.get(Reward, reward_id)
        services.request_redemption(resident, reward, token=f"race-{i}")
        return "held"

    assert Counter(race(any_app, 30, ask)) == {"held": 3, "out_of_stock": 27}
    reward = assert_books_clean(any_app, reward_id)
    with any_app.app_context():
        assert db.session.get(Reward, reward_id).stock == 0
        assert services.held_units([reward.id]) == {reward.id: 3}
        balances = sorted(ledger.balance_of(db.session.get(Resident, rid)) for rid in resident_ids)
        assert balances == [10] * 3 + [20] * 27


def test_one_resident_fires_ten_requests_with_points_for_two(any_app):
    with any_app.app_context():
        world = BankWorld(Factory())
        reward_id = world.reward(price=10, stock=50).id
        resident_id = world.resident(points=25).id

    def ask(i):
        resident, reward = db.session.get(Resident, resident_id), db.session.get(Reward, reward_id)
        services.request_redemption(resident, reward, token=f"tap-{i}")
        return "held"

    assert Counter(race(any_app, 10, ask)) == {"held": 2, "insufficient_points": 8}
    assert_books_clean(any_app, reward_id)
    with any_app.app_context():
        assert ledger.balance_of(db.session.get(Resident, resident_id)) == 5
        assert db.session.get(Reward, reward_id).stock == 48


def test_a_monthly_limit_holds_under_a_burst(any_app):
    with any_app.app_context():
        world = BankWorld(Factory())
        reward_id = world.reward(price=1, stock=50, limit_count=1, limit_period="month").id
        resident_id = world.resident(points=100).id

    def ask(i):
        resident, reward = db.session.get(Resident, resident_id), db.session.get(Reward, reward_id)
        services.request_redemption(resident, reward, token=f"limit-{i}")
        return "held"

    assert Counter(race(any_app, 10, ask)) == {"held": 1, "limit_reached": 9}
    assert_books_clean(any_app, reward_id)


def test_ten_taps_with_the_same_token_make_one_request(any_app):
    with any_app.app_context():
        world = BankWorld(Factory())
        reward_id = world.reward(price=10, stock=5).id
        resident_id = world.resident(points=100).id

    def ask(i):
        resident, reward = db.session.get(Resident, resident_id), db.session.get(Reward, reward_id)
        return services.request_redemption(resident, reward, token="same-page").id

    assert len(set(race(any_app, 10, ask))) == 1
    assert_books_clean(any_app, reward_id)
    with any_app.app_context():
        assert ledger.balance_of(db.session.get(Resident, resident_id)) == 90


def test_two_desks_scan_one_pickup_code_while_the_resident_cancels(any_app):
    """Hand-over at two desks and a cancel, all at once: exactly one of them wins, and the books agree."""
    with any_app.app_context():
        world = BankWorld(Factory())
        reward = world.reward(price=10, stock=5)
        resident = world.resident(points=30)
        redemption = world.request(resident, reward)
        services.approve_redemption(redemption, staff=world.staff)
        ids = (redemption.id, world.staff.id, world.other_staff.id, resident.id, reward.id)

    def act(i):
        redemption = db.session.get(Redemption, ids[0])
        if i < 2:
            services.fulfil_redemption(redemption, staff=db.session.get(Resident, ids[1 + i]))
            return "fulfilled"
        services.cancel_redemption(redemption, actor=db.session.get(Resident, ids[3]))
        return "cancelled"

    results = Counter(race(any_app, 3, act))
    assert sum(n for outcome, n in results.items() if outcome in ("fulfilled", "cancelled")) == 1
    assert set(results) <= {"fulfilled", "cancelled", "already_fulfilled", "already_cancelled"}
    assert_books_clean(any_app, ids[4])
    with any_app.app_context():
        state = db.session.get(Redemption, ids[0]).status
        balance = ledger.balance_of(db.session.get(Resident, ids[3]))
        assert (state, balance) in [(RedemptionState.FULFILLED, 20), (RedemptionState.CANCELLED, 30)]


def test_requests_and_returns_on_one_reward_do_not_deadlock(any_app):
    """Requests lock resident → reward → chain head; returns lock redemption → reward → chain head."""
    with any_app.app_context():
        world = BankWorld(Factory())
        reward_id = world.reward(price=5, stock=20).id
        residents = [world.resident(points=50) for _ in range(16)]
        open_ids = [world.request(r, db.session.get(Reward, reward_id)).id for r in residents[:8]]
        staff_id, resident_ids = world.staff.id, [r.id for r in residents]

    def act(i):
        if i < 8:
            services.reject_redemption(db.session.get(Redemption, open_ids[i]), staff=db.session.get(Resident, staff_id), reason="测试")
            return "returned"
        services.request_redemption(db.session.get(Resident, resident_ids[i]), db.session.get(Reward, reward_id), token=f"d{i}")
        return "held"

    assert Counter(race(any_app, 16, act)) == {"returned": 8, "held": 8}
    reward = assert_books_clean(any_app, reward_id)
    with any_app.app_context():
        assert db.session.get(Reward, reward_id).stock == 12
        assert services.held_units([reward.id]) == {reward.id: 8}
