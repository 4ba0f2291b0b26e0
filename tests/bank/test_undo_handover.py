"""Taking a hand-over back (撤销交付): within the window, by staff of the community, with a reason; the ledger and
the stock ledger keep every step and verify stays clean, however often it is handed over and taken back."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from points.bank import services
from points.bank.models import HANDOVER_UNDO_MINUTES, RedemptionState, StockMovement
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import AccountKind, Transaction
from points.ledger.verify import verify_ledger

from ..helpers import login
from .conftest import NOON, BankWorld
from .test_services import code_of, community_balance, fresh

HANDED = NOON + timedelta(hours=1)


def _handed_over(bank: BankWorld, *, price: int = 10, stock: int = 2):
    reward, resident = bank.reward(price=price, stock=stock), bank.resident(points=30)
    redemption = bank.request(resident, reward, now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    services.fulfil_redemption(redemption, staff=bank.other_staff, now=HANDED)
    return reward, resident, redemption


def test_undo_returns_it_to_ready_to_collect_with_the_points_held_again(bank):
    reward, resident, redemption = _handed_over(bank)
    code = redemption.pickup_code
    undone = services.undo_handover(redemption, staff=bank.staff, reason="扫错了取货码", now=HANDED + timedelta(minutes=5))
    assert undone.status == RedemptionState.APPROVED and undone.pickup_code == code
    assert undone.closed_at is None and undone.closed_by_id is None
    assert ledger.balance_of(resident) == 20  # still held, not back in the wallet
    assert community_balance(bank.community.id, AccountKind.HOLDS) == 10
    assert community_balance(bank.community.id, AccountKind.REDEEMED) == 0
    assert fresh(reward).stock == 1 and services.held_units([reward.id]) == {reward.id: 1}
    reversal = db.session.scalar(select(Transaction).where(Transaction.kind == "reversal"))
    assert reversal.reason == "扫错了取货码" and reversal.actor_id == bank.staff.id and reversal.reverses.kind == "settle"
    assert verify_ledger().ok


def test_the_wallet_line_reads_reserved_again(bank):
    _, resident, redemption = _handed_over(bank)
    services.undo_handover(redemption, staff=bank.staff, reason="认错人", now=HANDED)
    (line,) = [h for h in ledger.history_of(resident) if h.transaction.kind == "hold"]
    assert line.closed_by is None


def test_handed_over_again_after_an_undo(bank):
    reward, resident, redemption = _handed_over(bank)
    services.undo_handover(redemption, staff=bank.staff, reason="认错人", now=HANDED)
    services.fulfil_redemption(redemption, staff=bank.staff, now=HANDED + timedelta(minutes=20))
    assert redemption.status == RedemptionState.FULFILLED and ledger.balance_of(resident) == 20
    assert community_balance(bank.community.id, AccountKind.REDEEMED) == 10
    assert community_balance(bank.community.id, AccountKind.HOLDS) == 0
    assert fresh(reward).stock == 1 and services.held_units([reward.id]) == {reward.id: 0}
    keys = db.session.scalars(select(StockMovement.key).where(StockMovement.redemption_id == redemption.id)
                              .order_by(StockMovement.id)).all()
    assert keys == [f"redemption:{redemption.id}:{k}" for k in ("hold", "settle", "unsettle", "settle:1")]
    assert verify_ledger().ok


def test_cancelled_after_an_undo_returns_the_points(bank):
    reward, resident, redemption = _handed_over(bank)
    services.undo_handover(redemption, staff=bank.staff, reason="认错人", now=HANDED)
    services.cancel_redemption(redemption, actor=resident, now=HANDED + timedelta(minutes=1))
    assert ledger.balance_of(resident) == 30 and fresh(reward).stock == 2
    assert community_balance(bank.community.id, AccountKind.HOLDS) == 0
    assert verify_ledger().ok


def test_two_undos_and_hand_overs_keep_verify_clean(bank):
    _, resident, redemption = _handed_over(bank)
    at = HANDED
    for _ in range(2):
        services.undo_handover(redemption, staff=bank.staff, reason="认错人", now=at)
        at += timedelta(minutes=1)
        services.fulfil_redemption(redemption, staff=bank.staff, now=at)
    assert ledger.balance_of(resident) == 20 and verify_ledger().ok


def test_only_within_the_window(bank):
    _, _, redemption = _handed_over(bank)
    late = HANDED + timedelta(minutes=HANDOVER_UNDO_MINUTES)
    assert code_of(services.undo_handover, redemption, staff=bank.staff, reason="认错人", now=late) == "undo_window_closed"
    assert redemption.status == RedemptionState.FULFILLED


def test_not_by_staff_of_another_community(bank, make):
    _, _, redemption = _handed_over(bank)
    outsider = BankWorld(make).staff
    assert code_of(services.undo_handover, redemption, staff=outsider, reason="认错人", now=HANDED) == "not_allowed"


def test_not_by_the_resident(bank):
    _, resident, redemption = _handed_over(bank)
    assert code_of(services.undo_handover, redemption, staff=resident, reason="认错人", now=HANDED) == "not_allowed"


def test_not_on_ones_own_redemption(bank):
    from points.accounts.permissions import SYSTEM

    ledger.award_manually(bank.staff, 50, staff=SYSTEM, reason="测试", key="own")
    redemption = bank.request(bank.staff, bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.other_staff, now=NOON)
    services.fulfil_redemption(redemption, staff=bank.other_staff, now=HANDED)
    assert code_of(services.undo_handover, redemption, staff=bank.staff, reason="认错人", now=HANDED) == "own_redemption"


def test_a_reason_is_needed(bank):
    _, _, redemption = _handed_over(bank)
    assert code_of(services.undo_handover, redemption, staff=bank.staff, reason=" ", now=HANDED) == "reason_required"


def test_only_a_hand_over_can_be_undone(bank):
    redemption = bank.request(bank.resident(), bank.reward(), now=NOON)
    services.approve_redemption(redemption, staff=bank.staff, now=NOON)
    assert code_of(services.undo_handover, redemption, staff=bank.staff, reason="认错人", now=NOON) == "not_handed_over"


def test_undone_once(bank):
    _, _, redemption = _handed_over(bank)
    services.undo_handover(redemption, staff=bank.staff, reason="认错人", now=HANDED)
    assert code_of(services.undo_handover, redemption, staff=bank.staff, reason="认错人", now=HANDED) == "not_handed_over"


def test_the_ledger_reopens_only_a_settle_and_only_once(bank):
    _, _, redemption = _handed_over(bank)
    assert code_of(ledger.reopen, redemption.hold, actor=bank.staff, reason="x") == "not_reversible"
    settle = db.session.scalar(select(Transaction).where(Transaction.kind == "settle"))
    ledger.reopen(settle, actor=bank.staff, reason="x", now=HANDED)
    assert code_of(ledger.reopen, settle, actor=bank.staff, reason="x", now=HANDED) == "already_reversed"


def test_verify_catches_an_undo_written_by_hand(bank):
    _, _, redemption = _handed_over(bank)
    redemption.state = RedemptionState.APPROVED.value
    db.session.commit()
    codes = {p.code for p in verify_ledger().problems}
    assert {"held_mismatch", "redemption_stock", "redemption_points"} <= codes


# ------------------------------------------------------------------ pages


@pytest.fixture
def handed(bank, clock):
    clock.set(HANDED + timedelta(minutes=2))
    _, _, redemption = _handed_over(bank)
    db.session.commit()
    return redemption


def test_the_hand_over_page_offers_the_undo_then_a_confirm_page(client, bank, handed):
    login(client, bank.staff)
    page = client.get(f"/bank/staff/handover?done={handed.id}").get_data(as_text=True)
    assert f'href="/bank/staff/redemptions/{handed.id}/undo-handover"' in page and "刚刚交付" in page
    confirm = client.get(f"/bank/staff/redemptions/{handed.id}/undo-handover").get_data(as_text=True)
    assert "<h1>" in confirm and 'data-testid="confirm-undo"' in confirm and handed.reward.name in confirm
    assert db.session.get(type(handed), handed.id).state == "fulfilled"  # a GET changes nothing


def test_undo_needs_a_reason_on_the_page(client, bank, handed):
    login(client, bank.staff)
    response = client.post(f"/bank/staff/redemptions/{handed.id}/undo-handover", data={"reason": ""})
    assert response.status_code == 422 and "error-summary" in response.get_data(as_text=True)


def test_undo_from_the_page(client, bank, handed):
    login(client, bank.staff)
    response = client.post(f"/bank/staff/redemptions/{handed.id}/undo-handover", data={"reason": "扫错了取货码"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已撤销交付" in page and f'data-testid="pickup-{handed.id}"' in page
    db.session.expire_all()
    assert db.session.get(type(handed), handed.id).state == "approved" and verify_ledger().ok


def test_after_the_window_the_page_says_so(client, bank, handed, clock):
    clock.set(HANDED + timedelta(minutes=HANDOVER_UNDO_MINUTES + 1))
    login(client, bank.staff)
    assert "/undo-handover" not in client.get(f"/bank/staff/handover?done={handed.id}").get_data(as_text=True)
    page = client.get(f"/bank/staff/redemptions/{handed.id}/undo-handover").get_data(as_text=True)
    assert 'data-testid="confirm-undo"' not in page and "分钟内" in page
    client.post(f"/bank/staff/redemptions/{handed.id}/undo-handover", data={"reason": "晚了"})
    db.session.expire_all()
    assert db.session.get(type(handed), handed.id).state == "fulfilled"


def test_the_resident_is_told_in_the_inbox_that_the_hand_over_was_taken_back(bank):
    from points.proposals.models import Notification
    from points.proposals.services.notifications import wording

    reward, resident, redemption = _handed_over(bank)
    services.undo_handover(redemption, staff=bank.staff, reason="认错人", now=HANDED + timedelta(minutes=1))
    kinds = db.session.scalars(select(Notification.kind).where(Notification.resident_id == resident.id)
                               .order_by(Notification.id)).all()
    assert kinds == ["redemption_approved", "redemption_handed_over", "redemption_handover_undone"]
    undone = db.session.scalars(select(Notification).where(Notification.kind == "redemption_handover_undone")).one()
    assert undone.target == f"redemption:{redemption.id}" and reward.name in wording(undone)
