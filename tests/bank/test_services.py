"""Every rule and every step of a redemption, one per test, asserting the error code (pretix style)."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select, text

from points.accounts.permissions import SYSTEM
from points.bank import services
from points.bank.models import (
    HOLDING, TRANSITIONS, Donation, LimitPeriod, Redemption, RedemptionState, Reward, StockMovement,
)
from points.errors import DomainError
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import AccountKind, Transaction
from points.ledger.verify import verify_ledger

from .conftest import NOON, BankWorld, token


def code_of(call, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        call(*args, **kwargs)
    return error.value.code


def community_balance(community_id: int, kind: AccountKind) -> int:
    account = ledger.community_account(community_id, kind)
    return account.balance if account else 0


def fresh(reward: Reward) -> Reward:
    db.session.refresh(reward)
    return reward


# ------------------------------------------------------------------ requesting


def test_request_holds_the_points_and_one_unit_at_once(bank):
    reward, resident = bank.reward(price=12, stock=3), bank.resident(points=30)
    redemption = bank.request(resident, reward, now=NOON)
    assert redemption.status == RedemptionState.REQUESTED
    assert redemption.points == 12
    assert ledger.balance_of(resident) == 18
    assert community_balance(bank.community.id, AccountKind.HOLDS) == 12
    assert fresh(reward).stock == 2
    assert services.held_units([reward.id]) == {reward.id: 1}
    assert redemption.expires_at == NOON + timedelta(days=7, hours=5)  # 17:00 that Monday, when the desk closes
    assert verify_ledger().ok


def test_a_replayed_request_token_asks_once(bank):
    reward, resident = bank.reward(stock=3), bank.resident(points=100)
    first = bank.request(resident, reward, token="double-tap", now=NOON)
    again = bank.request(resident, reward, token="double-tap", now=NOON)
    assert first.id == again.id
    assert ledger.balance_of(resident) == 90 and fresh(reward).stock == 2


def test_a_token_used_for_another_reward_is_refused(bank):
    resident = bank.resident()
    bank.request(resident, bank.reward(), token="same", now=NOON)
    assert code_of(bank.request, resident, bank.reward(), token="same", now=NOON) == "token_reused"


def test_insufficient_points(bank):
    reward, resident = bank.reward(price=30, stock=3), bank.resident(points=29)
    assert code_of(bank.request, resident, reward, now=NOON) == "insufficient_points"
    assert ledger.balance_of(resident) == 29 and fresh(reward).stock == 3
    assert db.session.scalar(select(func.count(Redemption.id))) == 0


def test_out_of_stock(bank):
    reward = bank.reward(stock=1)
    bank.request(bank.resident(), reward, now=NOON)
    late = bank.resident(points=50)
    assert code_of(bank.request, late, reward, now=NOON) == "out_of_stock"
    assert ledger.balance_of(late) == 50


def test_limit_reached_within_the_period(bank):
    reward, resident = bank.reward(stock=5, limit_count=1, limit_period=LimitPeriod.MONTH), bank.resident()
    bank.request(resident, reward, now=NOON)
    assert code_of(bank.request, resident, reward, now=NOON + timedelta(days=3)) == "limit_reached"


def test_limit_starts_again_next_month_in_local_time(bank):
    reward, resident = bank.reward(stock=5, limit_count=1, limit_period=LimitPeriod.MONTH), bank.resident()
    bank.request(resident, reward, now=NOON)
    # 30 Nov 16:00 UTC is 1 December 00:00 in Shanghai
    first_of_december = NOON.replace(day=30, hour=16)
    assert bank.request(resident, reward, now=first_of_december).status == RedemptionState.REQUESTED


def test_limit_is_per_resident(bank):
    reward = bank.reward(stock=5, limit_count=1, limit_period=LimitPeriod.EVER)
    bank.request(bank.resident(), reward, now=NOON)
    assert bank.request(bank.resident(), reward, now=NOON).status == RedemptionState.REQUESTED


def test_returned_requests_do_not_count_towards_the_limit(bank):
    reward, resident = bank.reward(stock=5, limit_count=1, limit_period=LimitPeriod.WEEK), bank.resident()
    services.cancel_redemption(bank.request(resident, reward, now=NOON), actor=resident, now=NOON)
    assert bank.request(resident, reward, now=NOON).status == RedemptionState.REQUESTED
    assert services.remaining_limit(resident, fresh(reward), NOON) == 0


def test_hidden_reward_is_inactive(bank):
    reward = bank.reward(stock=3, is_listed=False)
    assert code_of(bank.request, bank.resident(), reward, now=NOON) == "reward_inactive"


def test_reward_before_its_first_day_is_inactive(bank):
    reward = bank.reward(stock=3, available_from=date(2026, 11, 24))
    resident = bank.resident()
    # 23 Nov 15:59 UTC is still the 23rd in Shanghai; 16:00 is the 24th
    assert code_of(bank.request, resident, reward, now=NOON.replace(hour=15, minute=59)) == "reward_inactive"
    assert bank.request(resident, reward, now=NOON.replace(hour=16)).status == RedemptionState.REQUESTED


def test_reward_after_its_last_day_is_inactive(bank):
    reward = bank.reward(stock=3, available_until=date(2026, 11, 22))
    assert code_of(bank.request, bank.resident(), reward, now=NOON) == "reward_inactive"


def test_rewards_of_another_community_cannot_be_requested(bank, make):
    other = BankWorld(make)
    assert code_of(bank.request, bank.resident(), other.reward(), now=NOON) == "other_community"


def test_staff_may_ask_for_a_resident_of_their_community(bank):
    reward, resident = bank.reward(), bank.resident(points=20)
    redemption = bank.request(resident, reward, actor=bank.staff, now=NOON)
    assert redemption.requested_by_id == bank.staff.id
    hold = db.session.scalar(select(Transaction).where(Transaction.idempotency_key == f"redemption:{redemption.id}:hold"))
    assert hold.actor_id == bank.staff.id and hold.resident_id == resident.id


def test_a_resident_cannot_ask_for_another_resident(bank):
    assert code_of(bank.request, bank.resident(), bank.reward(), actor=bank.resident(), now=NOON) == "not_allowed"


def test_a_price_change_does_not_touch_requests_already_made(bank):
    reward, resident = bank.reward(price=10), bank.resident(points=50)
    redemption = bank.request(resident, reward, now=NOON)
    services.update_reward(reward, services.RewardDetails(name=reward.name, price=40, partner_id=bank.partner.id), staff=bank.staff)
    services.reject_redemption(redemption, staff=bank.staff, reason="试一下", now=NOON)
    assert ledger.balance_of(resident) == 50


# ------------------------------------------------------------------ approving and rejecting


def test_approval_gives_a_pickup_code_and_restarts_the_pickup_window(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    approved = services.approve_redemption(redemption, staff=bank.staff, now=NOON + timedelta(days=2))
    assert approved.status == RedemptionState.APPROVED
    assert len(approved.pickup_code) == 6 and approved.pickup_qr_payload == "POINTS:R:" + approved.pickup_code
    assert approved.decided_by_id == bank.staff.id
    assert approved.expires_at == NOON + timedelta(days=9, hours=5)  # a Wednesday, until the desk closes


def test_staff_cannot_approve_their_own_redemption(bank):
    reward = bank.reward()
    ledger.award_manually(bank.staff, 50, staff=SYSTEM, reason="测试", key="own")  # not other_staff: four eyes
    redemption = bank.request(bank.staff, reward, now=NOON)
    assert code_of(services.approve_redemption, redemption, staff=bank.staff, now=NOON) == "own_redemption"
    assert services.approve_redemption(redemption, staff=bank.other_staff, now=NOON).status == RedemptionState.APPROVED


def test_staff_cannot_reject_their_own_redemption(bank):
    ledger.award_manually(bank.staff, 50, staff=bank.other_staff, reason="测试", key="own")
    redemption = bank.request(bank.staff, bank.reward(), now=NOON)
    assert code_of(services.reject_redemption, redemption, staff=bank.staff, reason="x", now=NOON) == "own_redemption"


def test_double_approval(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    code = redemption.pickup_code
    assert code_of(services.approve_redemption, redemption, staff=bank.other_staff, now=NOON) == "already_approved"
    assert fresh_redemption(redemption).pickup_code == code


def fresh_redemption(redemption: Redemption) -> Redemption:
    db.session.expire_all()
    return db.session.get(Redemption, redemption.id)


def test_staff_of_another_community_cannot_approve(bank, make):
    other = BankWorld(make)
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert code_of(services.approve_redemption, redemption, staff=other.staff, now=NOON) == "not_allowed"


def test_a_resident_cannot_approve(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert code_of(services.approve_redemption, redemption, staff=bank.resident(), now=NOON) == "not_allowed"


def test_approving_after_the_window_has_passed(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert code_of(services.approve_redemption, redemption, staff=bank.staff, now=NOON + timedelta(days=7, hours=5)) == "expired"


def test_rejection_needs_a_reason(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert code_of(services.reject_redemption, redemption, staff=bank.staff, reason="  ", now=NOON) == "reason_required"


def test_rejection_returns_points_and_stock(bank):
    reward, resident = bank.reward(price=10, stock=2), bank.resident(points=30)
    redemption = bank.request(resident, reward, now=NOON)
    rejected = services.reject_redemption(redemption, staff=bank.staff, reason="本周已发完", now=NOON)
    assert rejected.status == RedemptionState.REJECTED and rejected.reason == "本周已发完"
    assert ledger.balance_of(resident) == 30 and fresh(reward).stock == 2
    assert community_balance(bank.community.id, AccountKind.HOLDS) == 0
    assert services.held_units([reward.id]) == {reward.id: 0}
    void = db.session.scalar(select(Transaction).where(Transaction.kind == "void", Transaction.cause_id == redemption.id))
    assert void.cause_type == "redemption" and void.reason == "本周已发完" and void.actor_id == bank.staff.id
    assert verify_ledger().ok


def test_approved_redemption_cannot_be_rejected(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    assert code_of(services.reject_redemption, redemption, staff=bank.staff, reason="x", now=NOON) == "already_approved"


# ------------------------------------------------------------------ cancelling


@pytest.mark.parametrize("approve_first", [False, True])
def test_the_resident_cancels_before_hand_over(bank, approve_first):
    reward, resident = bank.reward(price=10, stock=2), bank.resident(points=30)
    redemption = bank.request(resident, reward, now=NOON)
    if approve_first:
        services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    cancelled = services.cancel_redemption(redemption, actor=resident, now=NOON)
    assert cancelled.status == RedemptionState.CANCELLED and cancelled.closed_by_id == resident.id
    assert ledger.balance_of(resident) == 30 and fresh(reward).stock == 2
    assert verify_ledger().ok


def test_cancelling_after_hand_over(bank):
    resident = bank.resident()
    redemption = bank.request(resident, bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    services.fulfil_redemption(redemption, staff=bank.other_staff, now=NOON)
    assert code_of(services.cancel_redemption, redemption, actor=resident, now=NOON) == "already_fulfilled"


def test_staff_cancel_for_a_resident_with_a_reason(bank):
    resident = bank.resident()
    redemption = bank.request(resident, bank.reward(), now=NOON)
    assert code_of(services.cancel_redemption, redemption, actor=bank.staff, now=NOON) == "reason_required"
    cancelled = services.cancel_redemption(redemption, actor=bank.staff, reason="居民电话告知不要了", now=NOON)
    assert cancelled.status == RedemptionState.CANCELLED and cancelled.reason == "居民电话告知不要了"


def test_another_resident_cannot_cancel(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert code_of(services.cancel_redemption, redemption, actor=bank.resident(), reason="x", now=NOON) == "not_allowed"


def test_cancelling_twice(bank):
    resident = bank.resident()
    redemption = bank.request(resident, bank.reward(), now=NOON)
    services.cancel_redemption(redemption, actor=resident, now=NOON)
    assert code_of(services.cancel_redemption, redemption, actor=resident, now=NOON) == "already_cancelled"
    assert ledger.balance_of(resident) == 100


# ------------------------------------------------------------------ hand-over (settle)


def test_hand_over_settles_points_and_takes_the_unit_off_the_shelf(bank):
    reward, resident = bank.reward(price=10, stock=2), bank.resident(points=30)
    redemption = bank.request(resident, reward, now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    done = services.fulfil_redemption(redemption, staff=bank.other_staff, now=NOON + timedelta(hours=2))
    assert done.status == RedemptionState.FULFILLED and done.closed_by_id == bank.other_staff.id
    assert ledger.balance_of(resident) == 20
    assert community_balance(bank.community.id, AccountKind.HOLDS) == 0
    assert community_balance(bank.community.id, AccountKind.REDEEMED) == 10
    assert fresh(reward).stock == 1 and services.held_units([reward.id]) == {reward.id: 0}
    steps = db.session.execute(select(Transaction.kind, Transaction.idempotency_key, Transaction.memo).where(
        Transaction.cause_type == "redemption", Transaction.cause_id == redemption.id).order_by(Transaction.id)).all()
    hold = f"redemption:{redemption.id}:hold"
    assert [tuple(row) for row in steps] == [("hold", hold, reward.name), ("settle", f"hold:{redemption.hold_id}:closed", reward.name)]
    assert verify_ledger().ok


def test_hand_over_before_approval(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert code_of(services.fulfil_redemption, redemption, staff=bank.staff, now=NOON) == "not_approved"


def test_settle_after_void(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    services.reject_redemption(redemption, staff=bank.staff, reason="库存有误", now=NOON)
    assert code_of(services.fulfil_redemption, redemption, staff=bank.staff, now=NOON) == "already_rejected"
    assert db.session.scalar(select(func.count(Transaction.id)).where(Transaction.kind == "settle")) == 0


def test_settle_after_cancel(bank):
    resident = bank.resident()
    redemption = bank.request(resident, bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    services.cancel_redemption(redemption, actor=resident, now=NOON)
    assert code_of(services.fulfil_redemption, redemption, staff=bank.staff, now=NOON) == "already_cancelled"


def test_handing_over_twice(bank):
    resident = bank.resident(points=30)
    redemption = bank.request(resident, bank.reward(price=10), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    services.fulfil_redemption(redemption, staff=bank.staff, now=NOON)
    assert code_of(services.fulfil_redemption, redemption, staff=bank.staff, now=NOON) == "already_fulfilled"
    assert ledger.balance_of(resident) == 20


def test_staff_cannot_hand_over_to_themselves(bank):
    ledger.award_manually(bank.staff, 50, staff=SYSTEM, reason="测试", key="own")  # not other_staff: four eyes
    redemption = bank.request(bank.staff, bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.other_staff, now=NOON)
    assert code_of(services.fulfil_redemption, redemption, staff=bank.staff, now=NOON) == "own_redemption"


def test_hand_over_after_the_pickup_window(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    assert code_of(services.fulfil_redemption, redemption, staff=bank.staff, now=NOON + timedelta(days=7, hours=5, seconds=1)) == "expired"


# ------------------------------------------------------------------ expiry


def test_expiry_voids_the_hold_after_the_pickup_window(bank):
    reward, resident = bank.reward(price=10, stock=1), bank.resident(points=30)
    redemption = bank.request(resident, reward, now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    assert services.expire_due(actor=SYSTEM, now=NOON + timedelta(days=7, hours=4, minutes=59)) == 0
    assert services.expire_due(actor=SYSTEM, now=NOON + timedelta(days=7, hours=5)) == 1
    expired = fresh_redemption(redemption)
    assert expired.status == RedemptionState.EXPIRED and expired.closed_by_id is None
    assert ledger.balance_of(resident) == 30 and fresh(reward).stock == 1
    assert code_of(services.fulfil_redemption, expired, staff=bank.staff, now=NOON + timedelta(days=7, hours=5)) == "already_expired"
    assert services.expire_due(actor=SYSTEM, now=NOON + timedelta(days=8)) == 0
    assert verify_ledger().ok


def test_undecided_requests_expire_too(bank):
    resident = bank.resident(points=30)
    bank.request(resident, bank.reward(price=10), now=NOON)
    assert services.expire_due(actor=SYSTEM, now=NOON + timedelta(days=7, hours=5)) == 1
    assert ledger.balance_of(resident) == 30


def test_the_pickup_window_is_the_communitys_setting(bank):
    services.save_bank_settings(bank.community, staff=bank.staff, pickup_place="", pickup_hours="", pickup_days=3)
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert redemption.expires_at == NOON + timedelta(days=3, hours=5)  # Thursday, until the desk closes


def test_expiring_one_not_yet_due(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    assert code_of(services.expire_redemption, redemption, actor=SYSTEM, now=NOON + timedelta(days=1)) == "not_due"


def test_expiring_a_collected_one(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    services.fulfil_redemption(redemption, staff=bank.staff, now=NOON)
    assert code_of(services.expire_redemption, redemption, actor=SYSTEM, now=NOON + timedelta(days=30)) == "already_fulfilled"


def test_the_expire_command(bank, app):
    resident = bank.resident(points=30)
    bank.request(resident, bank.reward(price=10), now=NOON)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["bank", "expire", "--now", "2026-12-01T00:00:00"])
    assert result.exit_code == 0 and "1 redemption(s) expired." in result.output
    db.session.expire_all()
    assert ledger.balance_of(resident) == 30


# ------------------------------------------------------------------ the workflow table


def test_closed_states_go_nowhere_and_holding_states_can_always_be_returned():
    for state, targets in TRANSITIONS.items():
        if state in HOLDING:
            assert {RedemptionState.CANCELLED, RedemptionState.EXPIRED} <= targets
        else:
            assert targets == frozenset()
    assert RedemptionState.REQUESTED.can_become(RedemptionState.APPROVED)
    assert not RedemptionState.REQUESTED.can_become(RedemptionState.FULFILLED)
    assert not RedemptionState.APPROVED.can_become(RedemptionState.REJECTED)


# ------------------------------------------------------------------ catalogue, partners, donations


def test_a_donation_is_the_only_way_stock_comes_in(bank):
    reward = bank.reward(stock=0)
    assert reward.stock == 0
    donation = services.record_donation(reward, staff=bank.staff, partner=bank.partner, quantity=12, token="d1", now=NOON)
    assert fresh(reward).stock == 12
    movement = db.session.scalar(select(StockMovement).where(StockMovement.donation_id == donation.id))
    assert (movement.kind, movement.free, movement.held) == ("donation", 12, 0)
    assert donation.received_on == date(2026, 11, 23) and donation.recorded_by_id == bank.staff.id


def test_a_replayed_donation_books_once(bank):
    reward = bank.reward(stock=0)
    first = services.record_donation(reward, staff=bank.staff, partner=bank.partner, quantity=5, token="d1", now=NOON)
    again = services.record_donation(reward, staff=bank.staff, partner=bank.partner, quantity=5, token="d1", now=NOON)
    assert first.id == again.id and fresh(reward).stock == 5


@pytest.mark.parametrize(("quantity", "code"), [(0, "invalid_quantity"), (-3, "invalid_quantity"), (10_001, "invalid_quantity")])
def test_donation_quantity(bank, quantity, code):
    reward = bank.reward(stock=0)
    assert code_of(services.record_donation, reward, staff=bank.staff, partner=bank.partner, quantity=quantity, token=token()) == code


def test_donation_from_another_communitys_partner(bank, make):
    other = BankWorld(make)
    assert code_of(services.record_donation, bank.reward(), staff=bank.staff, partner=other.partner, quantity=1,
                   token=token()) == "invalid_partner"


def test_donation_in_the_future(bank):
    assert code_of(services.record_donation, bank.reward(), staff=bank.staff, partner=bank.partner, quantity=1,
                   received_on=date(2026, 11, 24), token=token(), now=NOON) == "invalid_date"


def test_only_staff_of_the_community_record_donations(bank, make):
    other = BankWorld(make)
    assert code_of(services.record_donation, bank.reward(), staff=other.staff, partner=bank.partner, quantity=1,
                   token=token()) == "not_allowed"


@pytest.mark.parametrize(("changes", "code"), [
    ({"price": 0}, "invalid_price"),
    ({"name": "  "}, "name_required"),
    ({"limit_count": 1, "limit_period": None}, "invalid_limit"),
    ({"available_from": date(2026, 12, 1), "available_until": date(2026, 11, 1)}, "invalid_dates"),
    ({"kind": "cash"}, "invalid_kind"),
])
def test_reward_details_are_checked(bank, changes, code):
    details = services.RewardDetails(**{"name": "大米", "price": 10, **changes})
    assert code_of(services.create_reward, bank.community, details, staff=bank.staff) == code


def test_first_donation_needs_a_donor(bank):
    details = services.RewardDetails(name="大米", price=10)
    assert code_of(services.create_reward, bank.community, details, staff=bank.staff, first_donation=5) == "invalid_partner"


def test_partner_names_are_unique_in_a_community(bank, make):
    assert code_of(services.create_partner, bank.community, staff=bank.staff, name=bank.partner.name) == "partner_exists"
    other = BankWorld(make)
    assert services.create_partner(other.community, staff=other.staff, name=bank.partner.name).id


def test_honour_list_ranks_donors_by_units(bank):
    second = services.create_partner(bank.community, staff=bank.staff, name="巧手理发店", kind="merchant")
    reward = bank.reward(stock=3)
    services.record_donation(reward, staff=bank.staff, partner=second, quantity=10, token=token(), now=NOON)
    lines = services.honour_list(bank.community.id)
    assert [(line.partner.name, line.units, line.donations) for line in lines] == [("巧手理发店", 10, 1), (bank.partner.name, 3, 1)]


def test_catalogue_tells_each_resident_what_they_can_have(bank):
    cheap = bank.reward(price=10, stock=2, limit_count=1, limit_period=LimitPeriod.MONTH)
    dear = bank.reward(price=80, stock=2)
    empty = bank.reward(price=5, stock=0)
    coming = bank.reward(price=5, stock=2, available_from=date(2026, 12, 1))
    bank.reward(price=5, stock=2, available_until=date(2026, 11, 1))  # over: not shown
    resident = bank.resident(points=50)
    bank.request(resident, cheap, now=NOON)
    entries = {e.reward.id: e for e in services.catalogue(resident, now=NOON)}
    assert set(entries) == {cheap.id, dear.id, empty.id, coming.id}
    assert entries[cheap.id].remaining == 0 and not entries[cheap.id].can_request
    assert not entries[dear.id].affordable and entries[dear.id].remaining is None
    assert entries[empty.id].affordable and not entries[empty.id].can_request
    assert not entries[coming.id].available
    assert list(entries)[-1] == empty.id  # the empty shelf goes last


def test_glance_shows_balance_holds_and_recent_lines(bank):
    resident = bank.resident(points=40)
    bank.request(resident, bank.reward(price=15), now=NOON)
    view = services.glance([resident])[resident.id]
    assert (view.balance, view.held, view.collected) == (25, 15, 0)
    assert [line.amount for line in view.recent] == [-15, 40]


@pytest.mark.parametrize("typed", ["POINTS:R:{code}", "{code}", "{lower}", "{spaced}"])
def test_pickup_codes_are_read_however_they_are_typed(bank, typed):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    code = redemption.pickup_code
    raw = typed.format(code=code, lower=code.lower(), spaced=f"{code[:3]} - {code[3:]}")
    assert services.redemption_by_pickup_code(raw).id == redemption.id


# ------------------------------------------------------------------ the stock ledger and verify


def test_verify_catches_stock_changed_behind_the_ledgers_back(bank):
    reward = bank.reward(stock=3)
    db.session.execute(text("UPDATE rewards SET stock = 4 WHERE id = :id"), {"id": reward.id})
    db.session.commit()
    report = verify_ledger()
    assert [p.code for p in report.problems] == ["stock_mismatch"]
    assert "bank stock" in report.checked


def test_verify_catches_a_deleted_stock_movement(bank):
    redemption = bank.request(bank.resident(), bank.reward(stock=3), now=NOON)
    db.session.execute(text("DELETE FROM stock_movements WHERE redemption_id = :id"), {"id": redemption.id})
    db.session.commit()
    codes = {p.code for p in verify_ledger().problems}
    assert {"stock_mismatch", "held_mismatch", "redemption_stock"} <= codes


def test_verify_catches_a_state_changed_by_hand(bank):
    redemption = bank.request(bank.resident(), bank.reward(stock=3), now=NOON)
    db.session.execute(text("UPDATE redemptions SET state = 'fulfilled' WHERE id = :id"), {"id": redemption.id})
    db.session.commit()
    codes = {p.code for p in verify_ledger().problems}
    assert {"held_mismatch", "redemption_stock", "redemption_points"} <= codes


def test_verify_catches_a_donation_edited_after_booking(bank):
    reward = bank.reward(stock=3)
    db.session.execute(text("UPDATE donations SET quantity = 30 WHERE reward_id = :id"), {"id": reward.id})
    db.session.commit()
    assert [p.code for p in verify_ledger().problems] == ["bad_movement"]


def test_the_verify_command_checks_the_bank(bank, app):
    bank.request(bank.resident(), bank.reward(), now=NOON)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "verify"])
    assert result.exit_code == 0 and "bank stock" in result.output
    assert db.session.scalar(select(func.count(Donation.id))) == 1


# ------------------------------------------------------------------ opening hours: deadlines end when the desk closes

SHANGHAI_OFFSET = timedelta(hours=8)


@pytest.mark.parametrize(("asked", "due"), [
    ((23, 12, 0), (30, 17)),  # Monday noon: next Monday, when the desk closes
    ((25, 19, 2), (3, 17)),  # Wednesday 19:02, after closing: next Thursday 17:00, not 19:02
    ((25, 8, 0), (2, 17)),  # Wednesday before opening: that next Wednesday's close
    ((27, 18, 0), (7, 17)),  # Friday evening: the window ends on a Friday evening, so the Monday after
    ((28, 10, 0), (7, 17)),  # Saturday: the desk is closed on the Saturday a week on, so Monday
])
def test_the_pickup_deadline_ends_when_the_desk_closes(bank, asked, due):
    day, hour, minute = asked
    now = datetime(2026, 11, day, hour, minute, tzinfo=UTC) - SHANGHAI_OFFSET
    month = 11 if due[0] > day else 12
    expected = datetime(2026, month, due[0], due[1], tzinfo=UTC) - SHANGHAI_OFFSET
    redemption = bank.request(bank.resident(), bank.reward(), now=now)
    assert redemption.expires_at == expected
    assert redemption.expires_at - now >= timedelta(days=7)


def test_the_deadline_follows_the_communitys_opening_hours(bank, clock):
    services.save_bank_settings(bank.community, staff=bank.staff, pickup_place="", pickup_hours="", pickup_days=3,
                                open_days="6", opens_at=time(8, 30), closes_at=time(11, 30))
    clock.set(NOON)
    redemption = bank.request(bank.resident(), bank.reward())  # Monday noon, with the clock
    assert redemption.expires_at == NOON + timedelta(days=5, minutes=-30)  # Saturday 11:30
    approved = services.approve_redemption(redemption, staff=bank.staff)
    assert approved.expires_at == redemption.expires_at


def test_opening_hours_need_a_day(bank):
    assert code_of(services.save_bank_settings, bank.community, staff=bank.staff, pickup_place="", pickup_hours="",
                   pickup_days=7, open_days="") == "no_open_days"


def test_the_desk_closes_after_it_opens(bank):
    assert code_of(services.save_bank_settings, bank.community, staff=bank.staff, pickup_place="", pickup_hours="",
                   pickup_days=7, opens_at=time(17), closes_at=time(9)) == "closes_before_opening"
