"""Four eyes (双人复核, issue 14 finding 1): what one staff member originated, another approves; manual awards
above the community's threshold wait for a second staff member; a single-staff community is an explicit,
recorded setting."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from points.accounts import policy, services as accounts
from points.bank import services as bank
from points.bank.models import Redemption, RedemptionState
from points.db import db
from points.errors import DomainError
from points.ledger import services as ledger
from points.ledger.models import PendingAward

from .bank.conftest import BankWorld
from .helpers import login


@pytest.fixture
def world(make) -> BankWorld:
    return BankWorld(make)


def code_of(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as error:
        fn(*args, **kwargs)
    return error.value.code


def test_one_staff_member_alone_cannot_create_award_request_and_approve_over_http(client, world):
    """The red team's walk: create a resident, award by hand, request a reward for them, approve it."""
    reward = world.reward(price=20)
    db.session.commit()
    login(client, world.staff)
    response = client.post("/staff/residents/new", data={"name": "老张", "unit": world.make.building(world.community).id})
    resident_id = int(response.headers["Location"].rsplit("/", 1)[1])
    client.post(f"/staff/residents/{resident_id}/award", data={"points": "30", "reason": "扫雪", "token": "token-0001"})
    assert ledger.balance_of(accounts.get_resident(resident_id)) == 30
    client.post(f"/bank/staff/residents/{resident_id}/rewards/{reward.id}", data={"token": "tok-1234567890"})
    redemption = db.session.scalar(select(Redemption).where(Redemption.resident_id == resident_id))
    assert redemption is not None
    page = client.post(f"/bank/staff/redemptions/{redemption.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "双人复核" in page
    assert db.session.get(Redemption, redemption.id).state == RedemptionState.REQUESTED
    login(client, world.other_staff)
    client.post(f"/bank/staff/redemptions/{redemption.id}/approve")
    assert db.session.get(Redemption, redemption.id).state == RedemptionState.APPROVED


def test_a_request_on_a_residents_behalf_is_approved_by_someone_else(world):
    resident = world.resident(points=100)
    redemption = bank.request_redemption(resident, world.reward(), token="behalf-123456", actor=world.staff)
    assert code_of(bank.approve_redemption, redemption, staff=world.staff) == "four_eyes"
    assert bank.approve_redemption(redemption, staff=world.other_staff).status == RedemptionState.APPROVED


def test_a_manual_award_within_the_window_blocks_approval_by_the_same_staff(world):
    resident = world.resident(points=0)
    ledger.award_manually(resident, 40, staff=world.staff, reason="扫雪", key="m1")
    redemption = world.request(resident, world.reward())  # the resident asks on their own phone
    assert code_of(bank.approve_redemption, redemption, staff=world.staff) == "four_eyes"
    assert bank.approve_redemption(redemption, staff=world.other_staff).status == RedemptionState.APPROVED


def test_a_manual_award_above_the_threshold_waits_for_a_second_staff_member(world):
    resident = world.resident(points=0)
    pending = ledger.award_manually(resident, 80, staff=world.staff, reason="年度表彰", key="big")
    assert isinstance(pending, PendingAward) and ledger.balance_of(resident) == 0
    assert ledger.award_manually(resident, 80, staff=world.staff, reason="年度表彰", key="big").id == pending.id  # replay
    assert code_of(ledger.confirm_pending_award, pending, staff=world.staff) == "four_eyes"
    tx = ledger.confirm_pending_award(pending, staff=world.other_staff)
    assert ledger.balance_of(resident) == 80 and tx.idempotency_key == "big"
    assert code_of(ledger.confirm_pending_award, pending, staff=world.other_staff) == "already_decided"
    small = ledger.award_manually(resident, 50, staff=world.staff, reason="清扫", key="small")
    assert not isinstance(small, PendingAward) and ledger.balance_of(resident) == 130


def test_a_pending_award_can_be_turned_down(world):
    resident = world.resident(points=0)
    pending = ledger.award_manually(resident, 80, staff=world.staff, reason="年度表彰", key="big")
    ledger.reject_pending_award(pending, staff=world.staff)
    assert code_of(ledger.confirm_pending_award, pending, staff=world.other_staff) == "already_decided"
    assert ledger.balance_of(resident) == 0


def test_pending_awards_over_http(client, world):
    resident = world.resident(points=0)
    db.session.commit()
    login(client, world.staff)
    client.post(f"/staff/residents/{resident.id}/award", data={"points": "200", "reason": "年度表彰", "token": "token-0002"})
    pending = db.session.scalar(select(PendingAward))
    assert pending is not None and ledger.balance_of(resident) == 0
    client.post(f"/staff/pending-awards/{pending.id}/confirm")
    assert ledger.balance_of(resident) == 0
    login(client, world.other_staff)
    assert "年度表彰" in client.get("/staff/pending-awards").get_data(as_text=True)
    client.post(f"/staff/pending-awards/{pending.id}/confirm")
    assert ledger.balance_of(resident) == 200


def test_a_single_staff_community_is_an_explicit_recorded_setting(world, make):
    admin = make.admin()
    policy.update_policy(world.community, admin=admin, eligibility="confirmed", manual_award_threshold=50,
                         is_single_staff_allowed=True)
    resident = world.resident(points=0)
    assert not isinstance(ledger.award_manually(resident, 80, staff=world.staff, reason="表彰", key="k"), PendingAward)
    redemption = bank.request_redemption(resident, world.reward(), token="behalf-single1", actor=world.staff)
    assert bank.approve_redemption(redemption, staff=world.staff).status == RedemptionState.APPROVED
    [change] = policy.policy_changes(world.community.id)
    assert (change.field, change.old_value, change.new_value, change.changed_by_id) == (
        "is_single_staff_allowed", "False", "True", admin.id)
