"""One rule per test, asserting the error code (pretix style)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from points.errors import DomainError
from points.db import db
from points.accounts.permissions import SYSTEM
from points.ledger import services as ledger
from points.ledger.models import Account, AccountKind, EarningRule, Posting, RefusedAward, Transaction
from points.ledger.verify import verify_ledger
from .actions import ACCEPTED, MEETING_ATTENDED, RATING, SUGGESTION

NOON = datetime(2026, 11, 23, 4, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai


def award(resident, key="k1", action=MEETING_ATTENDED, **kw):
    return ledger.award(resident, action, key=key, cause=("test", 1), memo="红叶亭话", **kw)


def test_award_books_balanced_postings(make):
    resident = make.resident()
    outcome = award(resident)
    assert outcome.awarded and outcome.points == 10
    tx = outcome.transaction
    assert sum(p.amount for p in tx.postings) == 0
    kinds = {db.session.get(Account, p.account_id).kind: p.amount for p in tx.postings}
    assert kinds == {AccountKind.ISSUANCE: -10, AccountKind.WALLET: 10}
    assert ledger.balance_of(resident) == 10
    assert ledger.wallet_of(resident).lifetime_earned == 10


def test_same_key_replays_the_same_transaction(make):
    resident = make.resident()
    first = award(resident, key="checkin:meeting:42:resident:7").transaction
    second = award(resident, key="checkin:meeting:42:resident:7").transaction
    assert first.id == second.id
    assert ledger.balance_of(resident) == 10
    assert db.session.scalar(select(func.count(Transaction.id))) == 1


def test_daily_cap_refuses_and_records_the_refusal(make):
    resident = make.resident()
    outcomes = [award(resident, key=f"s{i}", action=SUGGESTION, now=NOON) for i in range(4)]
    assert [o.awarded for o in outcomes] == [True, True, True, False]
    refusal = outcomes[3].refusal
    assert refusal.reason_code == "daily_cap"
    assert db.session.scalar(select(func.count(RefusedAward.id))) == 1
    assert ledger.balance_of(resident) == 6


def test_daily_cap_resets_at_local_midnight(make):
    resident = make.resident()
    for i in range(3):
        award(resident, key=f"s{i}", action=SUGGESTION, now=NOON)
    # 16:00 UTC is 00:00 the next day in Shanghai
    next_day = datetime(2026, 11, 23, 16, 0, tzinfo=timezone.utc)
    assert award(resident, key="s4", action=SUGGESTION, now=next_day).awarded


def test_refused_award_replays_as_the_same_refusal(make):
    resident = make.resident()
    for i in range(3):
        award(resident, key=f"s{i}", action=SUGGESTION, now=NOON)
    first = award(resident, key="s3", action=SUGGESTION, now=NOON).refusal
    again = award(resident, key="s3", action=SUGGESTION, now=NOON + timedelta(days=1)).refusal
    assert first.id == again.id


def test_monthly_cap_from_the_communitys_rule(make, ctx):
    resident = make.resident()
    db.session.add(EarningRule(community_id=resident.community_id, action="meeting_attended", points=15, monthly_cap=2))
    db.session.commit()
    results = [award(resident, key=f"m{i}", now=NOON + timedelta(days=i)) for i in range(3)]
    assert [r.points for r in results] == [15, 15, 0]
    assert results[2].refusal.reason_code == "monthly_cap"


def test_rule_set_to_zero_refuses(make, ctx):
    resident = make.resident()
    db.session.add(EarningRule(community_id=resident.community_id, action="test_rating", points=0))
    db.session.commit()
    assert award(resident, action=RATING).refusal.reason_code == "rule_disabled"


def test_reversal_mirrors_the_original_and_lowers_lifetime(make):
    staff_community = make.community()
    staff = make.staff(staff_community)
    resident = make.resident(staff_community)
    tx = award(resident).transaction
    reversal = ledger.reverse(tx, actor=staff, reason="误签到")
    assert reversal.reverses_id == tx.id
    assert sorted(p.amount for p in reversal.postings) == sorted(-p.amount for p in tx.postings)
    assert ledger.balance_of(resident) == 0
    assert ledger.wallet_of(resident).lifetime_earned == 0


def test_reversing_twice_is_refused(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    tx = award(resident).transaction
    ledger.reverse(tx, actor=staff, reason="误签到")
    with pytest.raises(DomainError) as error:
        ledger.reverse(tx, actor=make.staff(community), reason="again")
    assert error.value.code == "already_reversed"
    assert ledger.balance_of(resident) == 0


def test_a_reversal_cannot_be_reversed(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    reversal = ledger.reverse(award(resident).transaction, actor=staff, reason="误签到")
    with pytest.raises(DomainError) as error:
        ledger.reverse(reversal, actor=staff, reason="undo the undo")
    assert error.value.code == "not_reversible"


def test_reversal_needs_a_reason(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    with pytest.raises(DomainError) as error:
        ledger.reverse(award(resident).transaction, actor=staff, reason="  ")
    assert error.value.code == "reason_required"


def test_reversal_of_spent_points_is_refused(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    tx = award(resident).transaction
    ledger.hold(resident, 8, key="h1", cause=("test", 1))
    with pytest.raises(DomainError) as error:
        ledger.reverse(tx, actor=staff, reason="误签到")
    assert error.value.code == "insufficient_points"
    assert ledger.balance_of(resident) == 2


def test_no_overdraw(make):
    resident = make.resident()
    award(resident)
    with pytest.raises(DomainError) as error:
        ledger.hold(resident, 11, key="h1", cause=("test", 1))
    assert error.value.code == "insufficient_points"
    assert ledger.balance_of(resident) == 10
    assert db.session.scalar(select(func.count(Transaction.id))) == 1


def test_hold_settle_and_void_move_points_between_accounts(make):
    resident = make.resident()
    award(resident)
    ledger.settle(ledger.hold(resident, 4, key="h1", cause=("redemption", 1)), actor=SYSTEM)
    ledger.void(ledger.hold(resident, 3, key="h2", cause=("redemption", 2)), actor=SYSTEM, reason="缺货")
    community = resident.community_id
    assert ledger.balance_of(resident) == 6
    assert ledger.community_account(community, AccountKind.HOLDS).balance == 0
    assert ledger.community_account(community, AccountKind.REDEEMED).balance == 4
    assert ledger.community_account(community, AccountKind.ISSUANCE).balance == -10
    assert ledger.wallet_of(resident).lifetime_earned == 10  # spending never lowers lifetime earned


def test_a_hold_closes_once(make):
    resident = make.resident()
    award(resident)
    held = ledger.hold(resident, 4, key="h1", cause=("redemption", 1))
    settled = ledger.settle(held, actor=SYSTEM)
    assert ledger.settle(held, actor=SYSTEM).id == settled.id  # a replay
    with pytest.raises(DomainError) as error:
        ledger.void(held, actor=SYSTEM, reason="too late")
    assert error.value.code == "hold_closed"
    assert ledger.balance_of(resident) == 6


def test_only_holds_can_be_settled(make):
    resident = make.resident()
    with pytest.raises(DomainError) as error:
        ledger.settle(award(resident).transaction, actor=SYSTEM)
    assert error.value.code == "not_a_hold"


def test_holds_are_not_reversed(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    award(resident)
    held = ledger.hold(resident, 4, key="h1", cause=("redemption", 1))
    with pytest.raises(DomainError) as error:
        ledger.reverse(held, actor=staff, reason="给我退回")
    assert error.value.code == "not_reversible"


def test_a_reused_key_for_a_different_booking_is_refused(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    award(resident, key="k")
    with pytest.raises(DomainError) as other_kind:
        ledger.hold(resident, 4, key="k", cause=("redemption", 1))
    ledger.award_manually(resident, 5, staff=staff, reason="清扫", key="manual:t")
    with pytest.raises(DomainError) as other_amount:
        ledger.award_manually(resident, 100, staff=staff, reason="清扫", key="manual:t")
    with pytest.raises(DomainError) as other_resident:
        award(make.resident(community), key="k")
    assert {other_kind.value.code, other_amount.value.code, other_resident.value.code} == {"key_reused"}
    assert ledger.balance_of(resident) == 15


def test_a_failed_inner_service_leaves_no_trace_when_the_outer_one_goes_on(make):
    from points.db import transaction

    community = make.community()
    resident = make.resident(community)

    @transaction
    def try_hold_then_award():
        try:
            ledger.hold(resident, 50, key="h", cause=("redemption", 1))
        except DomainError:
            pass
        award(resident, key="after")

    try_hold_then_award()
    assert ledger.balance_of(resident) == 10
    assert verify_ledger().ok


def test_staff_of_another_community_cannot_award_or_reverse(make):
    home, away = make.community(), make.community()
    resident, outsider_staff = make.resident(home), make.staff(away)
    tx = award(resident).transaction
    with pytest.raises(DomainError) as awarding:
        ledger.award_manually(resident, 5, staff=outsider_staff, reason="越权", key="m")
    with pytest.raises(DomainError) as reversing:
        ledger.reverse(tx, actor=outsider_staff, reason="越权")
    assert (awarding.value.code, reversing.value.code) == ("not_allowed", "not_allowed")


def test_staff_cannot_award_themselves(make):
    community = make.community()
    staff = make.staff(community)
    with pytest.raises(DomainError) as error:
        ledger.award_manually(staff, 5, staff=staff, reason="me", key="m1")
    assert error.value.code == "own_account"


def test_staff_cannot_reverse_their_own_award(make):
    community = make.community()
    staff, other = make.staff(community), make.staff(community)
    tx = ledger.award_manually(staff, 5, staff=other, reason="帮忙", key="m1")
    with pytest.raises(DomainError) as error:
        ledger.reverse(tx, actor=staff, reason="mine")
    assert error.value.code == "own_account"


def test_manual_award_needs_a_reason_and_a_positive_amount(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    with pytest.raises(DomainError) as no_reason:
        ledger.award_manually(resident, 5, staff=staff, reason="", key="m1")
    with pytest.raises(DomainError) as negative:
        ledger.award_manually(resident, -5, staff=staff, reason="oops", key="m2")
    assert (no_reason.value.code, negative.value.code) == ("reason_required", "invalid_amount")


def test_manual_award_records_who_and_why(make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    tx = ledger.award_manually(resident, 5, staff=staff, reason="楼道清扫", key="m1")
    line = ledger.history_of(resident)[0]
    assert (line.transaction.id, line.amount, line.actor_name, tx.reason) == (tx.id, 5, staff.name, "楼道清扫")


def test_history_is_newest_first_and_pages(make):
    resident = make.resident()
    ids = [award(resident, key=f"k{i}").transaction.id for i in range(5)]
    page = ledger.history_of(resident, limit=3)
    assert [line.transaction.id for line in page] == ids[::-1][:3]
    rest = ledger.history_of(resident, limit=3, before_id=page[-1].transaction.id)
    assert [line.transaction.id for line in rest] == ids[::-1][3:]


def test_chain_links_each_transaction_to_the_previous(make):
    resident = make.resident()
    first = award(resident, key="a").transaction
    second = award(resident, key="b").transaction
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash and len(first.hash) == 64


def test_communities_have_separate_chains(make):
    a, b = make.resident(), make.resident()
    assert award(a, key="a").transaction.seq == 1
    assert award(b, key="b").transaction.seq == 1


# -------------------------------------------------------------------------------- verify


def _books(make):
    resident = make.resident(make.community())
    award(resident, key="a")
    award(resident, key="b", action=ACCEPTED)
    ledger.hold(resident, 5, key="h", cause=("redemption", 1))
    return resident


def test_verify_is_clean_on_honest_books(make):
    _books(make)
    report = verify_ledger()
    assert report.ok, report.problems
    assert report.transactions == 3


def test_verify_detects_a_tampered_amount(make):
    _books(make)
    posting = db.session.scalars(select(Posting).order_by(Posting.id)).all()[1]
    db.session.execute(Posting.__table__.update().where(Posting.__table__.c.id == posting.id).values(amount=posting.amount + 100))
    db.session.execute(Account.__table__.update().where(Account.__table__.c.id == posting.account_id).values(balance=Account.__table__.c.balance + 100))
    db.session.commit()
    report = verify_ledger()
    assert not report.ok
    assert report.first_problem.code == "tampered" and report.first_problem.seq == 1


def test_verify_detects_a_deleted_transaction(make):
    _books(make)
    tx = db.session.scalar(select(Transaction).where(Transaction.seq == 2))
    db.session.execute(Posting.__table__.delete().where(Posting.__table__.c.transaction_id == tx.id))
    db.session.execute(Transaction.__table__.delete().where(Transaction.__table__.c.id == tx.id))
    db.session.commit()
    codes = {p.code for p in verify_ledger().problems}
    assert {"missing_transaction", "broken_chain", "balance_mismatch"} <= codes


def test_verify_detects_a_deleted_last_transaction(make):
    _books(make)
    tx = db.session.scalar(select(Transaction).where(Transaction.seq == 3))
    db.session.execute(Posting.__table__.delete().where(Posting.__table__.c.transaction_id == tx.id))
    db.session.execute(Transaction.__table__.delete().where(Transaction.__table__.c.id == tx.id))
    db.session.commit()
    assert "head_mismatch" in {p.code for p in verify_ledger().problems}


def test_verify_detects_a_forged_balance(make):
    resident = _books(make)
    wallet = ledger.wallet_of(resident)
    db.session.execute(Account.__table__.update().where(Account.__table__.c.id == wallet.id).values(balance=9999))
    db.session.commit()
    report = verify_ledger()
    assert [p.code for p in report.problems] == ["balance_mismatch"]


def test_verify_detects_a_forged_lifetime_total(make):
    resident = _books(make)
    wallet = ledger.wallet_of(resident)
    db.session.execute(Account.__table__.update().where(Account.__table__.c.id == wallet.id).values(lifetime_earned=9999))
    db.session.commit()
    assert [p.code for p in verify_ledger().problems] == ["lifetime_mismatch"]


def test_verify_detects_an_inserted_transaction(make):
    resident = _books(make)
    tx = db.session.scalar(select(Transaction).where(Transaction.seq == 3))
    db.session.execute(
        Transaction.__table__.insert().values(
            community_id=tx.community_id, seq=4, kind="manual_award", idempotency_key="forged", cause_type="manual",
            resident_id=resident.id, memo="", reason="", created_at=tx.created_at,
            prev_hash=tx.hash, hash="0" * 64,
        )
    )
    db.session.commit()
    codes = {p.code for p in verify_ledger().problems}
    assert {"tampered", "unbalanced", "head_mismatch"} <= codes


# -------------------------------------------------------------------------------- rules


def test_admin_sets_a_rule_that_awards_then_use(make):
    community = make.community()
    admin = make.admin()
    resident = make.resident(community)
    ledger.set_earning_rule(community.id, MEETING_ATTENDED, points=20, daily_cap=1, monthly_cap=None, admin=admin)
    assert award(resident, key="a", now=NOON).points == 20
    assert award(resident, key="b", now=NOON).refusal.reason_code == "daily_cap"


def test_staff_cannot_change_rules(make):
    community = make.community()
    staff = make.staff(community)
    with pytest.raises(DomainError) as error:
        ledger.set_earning_rule(community.id, RATING, points=100, daily_cap=None, monthly_cap=None, admin=staff)
    assert error.value.code == "not_allowed"


def test_admin_of_another_district_cannot_change_rules(make):
    from points.units.models import Level
    from points.units.services import create_unit

    community = make.community()
    elsewhere = make.admin(create_unit("别的区", Level.DISTRICT))
    with pytest.raises(DomainError) as error:
        ledger.set_earning_rule(community.id, RATING, points=100, daily_cap=None, monthly_cap=None, admin=elsewhere)
    assert error.value.code == "not_allowed"


def test_rules_refuse_negative_points_and_zero_caps(make):
    community = make.community()
    admin = make.admin()
    for points, cap in ((-1, None), (5, 0)):
        with pytest.raises(DomainError) as error:
            ledger.set_earning_rule(community.id, RATING, points=points, daily_cap=cap, monthly_cap=None, admin=admin)
        assert error.value.code == "invalid_rule"


def test_verify_detects_a_wallet_given_to_someone_else(make):
    resident = _books(make)
    thief = make.resident(make.community())
    wallet = ledger.wallet_of(resident)
    db.session.execute(Account.__table__.update().where(Account.__table__.c.id == wallet.id).values(resident_id=thief.id))
    db.session.commit()
    assert "foreign_account" in {p.code for p in verify_ledger().problems}


def test_verify_detects_an_edited_reason(make):
    _books(make)
    db.session.execute(Transaction.__table__.update().where(Transaction.__table__.c.seq == 1).values(memo="改过的"))
    db.session.commit()
    assert verify_ledger().first_problem.code == "tampered"
