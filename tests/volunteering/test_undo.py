"""Staff undo a mistaken check-in to an activity through the check-in package's one undo: logged with who and why,
its record and check-out go with it, and it is refused once the hours are confirmed."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import Checkin, CheckinUndo, Step
from points.db import db
from points.ledger import services as ledger
from points.ledger.verify import verify_ledger as verify
from points.volunteering import services
from points.volunteering.models import ServiceRecord

from ..helpers import login
from .conftest import BEFORE, END, START


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(Exception) as caught:
        fn(*args, **kwargs)
    return caught.value.code


def rows(activity, resident, step: Step) -> list[Checkin]:
    return list(db.session.scalars(select(Checkin).where(
        Checkin.activity_id == activity.id, Checkin.resident_id == resident.id, Checkin.is_success,
        Checkin.step == step.value).order_by(Checkin.id)))


def undos() -> int:
    return db.session.scalar(select(func.count(CheckinUndo.id)))


# ------------------------------------------------------------------ services


def test_undoing_takes_the_record_and_the_check_out_with_it(scene):
    activity = scene.activity()
    scene.attend(activity)
    [checked_in], [checked_out] = rows(activity, scene.resident, Step.IN), rows(activity, scene.resident, Step.OUT)
    undo = checkin.undo_checkin(checked_in, staff=scene.staff, reason="扫错人了", now=END)
    assert (undo.actor_id, undo.reason) == (scene.staff.id, "扫错人了")
    assert checked_out.undo is not None and checked_out.undo.reason == "扫错人了"
    assert services.record_of_checkin(checked_in) is None
    assert verify().ok


def test_after_an_undo_the_volunteer_checks_in_and_out_again(scene):
    activity = scene.activity()
    scene.attend(activity, leave=START + timedelta(minutes=30))
    checkin.undo_checkin(rows(activity, scene.resident, Step.IN)[0], staff=scene.staff, reason="误签", now=START)
    assert scene.scan(scene.resident, at=START + timedelta(minutes=40)).ok
    assert scene.scan(scene.resident, at=END).ok
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.activity_id == activity.id))
    assert record.minutes == 80 and record.checkin_id == rows(activity, scene.resident, Step.IN)[-1].id
    assert verify().ok


def test_undo_refused_after_the_record_is_confirmed(scene):
    activity = scene.activity()
    scene.attend(activity)
    checked_in = rows(activity, scene.resident, Step.IN)[0]
    services.confirm_record(services.record_of_checkin(checked_in), staff=scene.staff, now=END)
    assert _code(checkin.undo_checkin, checked_in, staff=scene.other_staff, reason="误签", now=END) == "record_confirmed"
    assert undos() == 0 and ledger.balance_of(scene.resident) == 20
    assert services.record_of_checkin(checked_in).is_confirmed


def test_a_check_out_is_not_undone_on_its_own(scene):
    activity = scene.activity()
    scene.attend(activity)
    checked_out = rows(activity, scene.resident, Step.OUT)[0]
    assert _code(checkin.undo_checkin, checked_out, staff=scene.staff, reason="早退", now=END) == "undo_the_checkin"
    assert undos() == 0


def test_another_communitys_staff_cannot_undo(scene):
    activity = scene.activity()
    scene.attend(activity)
    stranger = scene.make.staff(scene.make.community())
    assert _code(checkin.undo_checkin, rows(activity, scene.resident, Step.IN)[0], staff=stranger, reason="x") == "not_allowed"


def test_an_undone_check_in_is_not_closed_as_a_forgotten_check_out(scene):
    activity = scene.activity()
    services.sign_up(activity, scene.resident, now=BEFORE)
    assert scene.scan(scene.resident, at=START).ok
    checkin.undo_checkin(rows(activity, scene.resident, Step.IN)[0], staff=scene.staff, reason="误签", now=START)
    assert services.close_forgotten_checkouts(actor=SYSTEM, now=END + timedelta(hours=2)) == 0


def test_confirming_a_record_whose_check_in_another_staff_member_just_undid(scene):
    activity = scene.activity()
    scene.attend(activity)
    record = services.record_of_checkin(rows(activity, scene.resident, Step.IN)[0])
    # The undo committed in another request after this one loaded the record: gone from the table, not the session.
    db.session.execute(delete(ServiceRecord.__table__).where(ServiceRecord.__table__.c.id == record.id))
    assert _code(services.confirm_record, record, staff=scene.other_staff, now=END) == "record_gone"
    assert ledger.balance_of(scene.resident) == 0


# ------------------------------------------------------------------ pages


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


@pytest.fixture
def came(scene, client, clock):
    """王芳 came and left; staff are logged in an hour after the end."""
    clock.set(BEFORE)
    scene.act = scene.activity()
    scene.attend(scene.act)
    scene.row = rows(scene.act, scene.resident, Step.IN)[0]
    db.session.commit()
    clock.set(END + timedelta(hours=1))
    login(client, scene.staff)
    return scene


def test_the_roster_leads_to_a_confirm_page_that_undoes_with_a_reason(came, client):
    url = f"/staff/volunteering/checkins/{came.row.id}/undo"
    assert url in text(client.get(f"/staff/volunteering/activities/{came.act.id}/roster"))
    page = text(client.get(url))
    assert "王芳" in page and 'name="reason"' in page and "2.0 小时" in page
    response = client.post(url, data={"reason": ""})
    assert response.status_code == 422 and undos() == 0
    response = client.post(url, data={"reason": "扫错人了"})
    assert response.status_code == 302 and response.location.endswith(f"/activities/{came.act.id}/roster")
    roster = text(client.get(response.location))
    assert "签到已撤销" in roster and "扫错人了" in roster and url not in roster
    assert db.session.scalar(select(CheckinUndo).where(CheckinUndo.checkin_id == came.row.id)).actor_id == came.staff.id


def test_the_confirm_page_refuses_once_the_hours_are_confirmed(came, client):
    services.confirm_record(services.record_of_checkin(came.row), staff=came.other_staff, now=END)
    db.session.commit()
    url = f"/staff/volunteering/checkins/{came.row.id}/undo"
    assert url not in text(client.get(f"/staff/volunteering/activities/{came.act.id}/roster"))
    page = text(client.get(url))
    assert 'name="reason"' not in page and f"/staff/volunteering/records/{services.record_of_checkin(came.row).id}/adjust" in page
    response = client.post(url, data={"reason": "扫错人了"})
    assert response.status_code == 409 and undos() == 0


def test_only_an_activitys_check_in_has_the_page(came, client):
    checked_out = rows(came.act, came.resident, Step.OUT)[0]
    assert client.get(f"/staff/volunteering/checkins/{checked_out.id}/undo").status_code == 404
    assert client.get("/staff/volunteering/checkins/99999999/undo").status_code == 404
