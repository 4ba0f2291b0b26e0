"""Self-registration (issue 14, finding 7): limited per address and per community, eligible to earn at once or
once staff confirm the person (the default), and a taken number is not confirmed to a stranger."""
from __future__ import annotations

from datetime import timedelta

import pytest

from points.accounts import policy, services as accounts
from points.accounts.models import Resident
from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import Checkin, Route, VenueKind
from points.db import db, utcnow
from points.errors import DomainError
from points.ledger import services as ledger
from points.ledger.verify import verify_ledger
from points.units.models import Unit

from ..helpers import login


@pytest.fixture
def building(make):
    community = make.community("第一社区")
    building = make.building(community)
    db.session.commit()
    return building


def register(client, building_id, phone, **headers):
    return client.post("/register", data={"name": "王芳", "phone": phone, "password": "hongye2026", "unit": building_id},
                       environ_base={"REMOTE_ADDR": headers.get("addr", "10.1.1.1")})


def test_registration_is_limited_per_address(client, building):
    answers = []
    for i in range(6):
        client.post("/logout")
        answers.append(register(client, building.id, f"1381234000{i}").status_code)
    assert answers == [302] * 5 + [429]
    assert "尝试次数过多" in register(client, building.id, "13812340009").get_data(as_text=True)


def test_registration_is_limited_per_community(app, client, building):
    app.config["REGISTER_COMMUNITY_RATE_LIMIT"] = "3/hour"
    answers = []
    for i in range(4):
        client.post("/logout")
        answers.append(register(client, building.id, f"1381234100{i}", addr=f"10.2.2.{i}").status_code)
    assert answers == [302, 302, 302, 429]


def test_a_taken_number_is_not_confirmed_as_registered(client, building):
    register(client, building.id, "13812345678")
    client.post("/logout")
    page = register(client, building.id, "13812345678", addr="10.3.3.3").get_data(as_text=True)
    assert "此手机号已注册" not in page and "工作人员" in page and "重置" in page


def _meeting_now(make, community, staff):
    venue = checkin.create_venue(staff=staff, unit=community, name="议事厅", kind=VenueKind.HALL)
    now = utcnow()
    meeting = checkin.schedule_meeting(staff=staff, venue=venue, title="楼道照明", starts_at=now - timedelta(minutes=5),
                                       ends_at=now + timedelta(hours=1), now=now - timedelta(days=1))
    return venue, meeting


def test_an_unconfirmed_resident_checks_in_and_is_credited_on_confirmation(make, building):
    community = db.session.get(Unit, building.community_id)
    staff = make.staff(community)
    venue, meeting = _meeting_now(make, community, staff)
    newcomer = accounts.register_resident(name="新居民", phone="13812349999", password="hongye2026", unit=building)
    assert not newcomer.is_confirmed
    outcome = checkin.check_in(venue, checkin.CheckinRequest(route=Route.POSTER, actor=newcomer))
    assert outcome.ok and outcome.checkin.points == 0 and outcome.checkin.detail == "unconfirmed"
    assert ledger.balance_of(newcomer) == 0
    with pytest.raises(DomainError) as own:
        policy.confirm_resident(staff, staff=staff)
    assert own.value.code in ("own_account", "already_confirmed")
    policy.confirm_resident(newcomer, staff=staff)
    assert ledger.balance_of(newcomer) == 10
    row = db.session.get(Checkin, outcome.checkin.id)
    assert row.points == 10 and row.transaction_id is not None
    with pytest.raises(DomainError) as again:
        policy.confirm_resident(newcomer, staff=staff)
    assert again.value.code == "already_confirmed"
    assert ledger.balance_of(newcomer) == 10
    report = verify_ledger()
    assert report.ok, report.problems


def test_staff_cannot_confirm_themselves(make, building):
    community = db.session.get(Unit, building.community_id)
    staff = accounts.register_resident(name="新社工", phone="13812348888", password="hongye2026", unit=building)
    from points.accounts.models import Role

    accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
    with pytest.raises(DomainError) as error:
        policy.confirm_resident(staff, staff=staff)
    assert error.value.code == "own_account"


def test_an_open_community_credits_at_once(make, building):
    community = db.session.get(Unit, building.community_id)
    admin = make.admin()
    policy.update_policy(community, admin=admin, eligibility="open", manual_award_threshold=50, is_single_staff_allowed=False)
    newcomer = accounts.register_resident(name="新居民", phone="13812347777", password="hongye2026", unit=building)
    assert newcomer.is_confirmed
    changes = policy.policy_changes(community.id)
    assert [(c.field, c.old_value, c.new_value, c.changed_by_id) for c in changes] == [("eligibility", "confirmed", "open", admin.id)]


def test_staff_confirm_from_the_list(client, make, building):
    community = db.session.get(Unit, building.community_id)
    staff = make.staff(community)
    newcomer = accounts.register_resident(name="新居民", phone="13812346666", password="hongye2026", unit=building)
    db.session.commit()
    login(client, staff)
    page = client.get("/staff/confirmations").get_data(as_text=True)
    assert "新居民" in page
    response = client.post(f"/staff/residents/{newcomer.id}/confirm")
    assert response.status_code == 302
    assert db.session.get(Resident, newcomer.id).is_confirmed
    assert f"/staff/residents/{newcomer.id}/confirm" not in client.get("/staff/confirmations").get_data(as_text=True)


def test_the_policy_page_is_for_admins(client, make, building):
    community = db.session.get(Unit, building.community_id)
    staff, admin = make.staff(community), make.admin()
    db.session.commit()
    login(client, staff)
    assert client.get(f"/admin/policy/{community.id}").status_code == 403
    login(client, admin)
    assert client.get(f"/admin/policy/{community.id}").status_code == 200
    response = client.post(f"/admin/policy/{community.id}", data={
        "eligibility": "open", "manual_award_threshold": "²", "is_single_staff_allowed": ""})
    assert response.status_code == 422
    response = client.post(f"/admin/policy/{community.id}", data={"eligibility": "open", "manual_award_threshold": "80"})
    assert response.status_code == 302
    assert policy.policy_for(community.id).manual_award_threshold == 80


def test_the_wallet_says_the_account_waits_and_then_counts(client, make, building):
    community = db.session.get(Unit, building.community_id)
    staff = make.staff(community)
    venue, meeting = _meeting_now(make, community, staff)
    newcomer = accounts.register_resident(name="新居民", phone="13812345555", password="password123", unit=building)
    checkin.check_in(venue, checkin.CheckinRequest(route=Route.POSTER, actor=newcomer))
    db.session.commit()
    login(client, newcomer)
    page = client.get("/wallet").get_data(as_text=True)
    assert "尚未实名确认" in page and "待入账" in page
    policy.confirm_resident(newcomer, staff=staff)
    db.session.commit()
    page = client.get("/wallet").get_data(as_text=True)
    assert "尚未实名确认" not in page and "待入账" not in page and 'data-testid="balance">10<' in page
