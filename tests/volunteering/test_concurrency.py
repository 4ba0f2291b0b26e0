"""Races on both engines: slots, check-outs and confirmations are decided by the database."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import Checkin, Route, Step, VenueKind
from points.db import db
from points.ledger.models import Transaction
from points.ledger.verify import verify_ledger
from points.volunteering import services
from points.volunteering.models import Activity, Enrollment, ServiceRecord

from ..factories import Factory
from ..helpers import race

from .conftest import BEFORE, END, START


def _setup(app, volunteers: int):
    with app.app_context():
        make = Factory()
        community = make.community("并发社区")
        staff, staff2 = make.staff(community), make.staff(community)
        venue = checkin.create_venue(staff=staff, unit=community, name="服务站", kind=VenueKind.HALL)
        people = []
        for _ in range(volunteers):
            person = make.resident(community)
            services.register_volunteer(person, actor=SYSTEM, now=BEFORE)
            people.append(person.id)
        activity = services.create_activity(staff=staff, venue=venue, title="抢名额", starts_at=START,
                                            ends_at=END, slots=10, now=BEFORE)
        ids = activity.id, staff.id, staff2.id
        db.session.remove()
    return ids, people


def test_forty_volunteers_racing_for_ten_slots(any_app):
    (activity_id, _, _), people = _setup(any_app, 40)

    def work(i):
        from points.accounts.models import Resident
        services.sign_up(db.session.get(Activity, activity_id), db.session.get(Resident, people[i]), now=BEFORE)
        return "ok"

    results = race(any_app, 40, work)
    assert results.count("ok") == 10 and results.count("activity_full") == 30
    with any_app.app_context():
        assert db.session.get(Activity, activity_id).taken_slots == 10
        assert db.session.scalar(select(func.count(Enrollment.id)).where(Enrollment.activity_id == activity_id)) == 10
        assert verify_ledger().ok


def test_one_check_out_sent_ten_times_and_two_staff_confirming(any_app):
    (activity_id, staff_id, staff2_id), people = _setup(any_app, 1)
    from points.accounts.models import Resident
    with any_app.app_context():
        activity, person = db.session.get(Activity, activity_id), db.session.get(Resident, people[0])
        services.sign_up(activity, person, now=BEFORE)
        venue = activity.venue
        assert checkin.check_in(venue, checkin.CheckinRequest(route=Route.POSTER, actor=person, now=START)).ok
        db.session.remove()

    def check_out(i):
        person = db.session.get(Resident, people[0])
        activity = db.session.get(Activity, activity_id)
        return checkin.check_in(activity.venue, checkin.CheckinRequest(
            route=Route.POSTER, actor=person, now=END, step=Step.OUT)).reason or "ok"

    results = race(any_app, 10, check_out)
    assert results.count("ok") == 1 and results.count("already_checked_out") == 9
    with any_app.app_context():
        records = list(db.session.scalars(select(ServiceRecord).where(ServiceRecord.activity_id == activity_id)))
        assert len(records) == 1 and records[0].minutes == 120
        assert db.session.scalar(select(func.count(Checkin.id)).where(
            Checkin.activity_id == activity_id, Checkin.is_success, Checkin.step == "out")) == 1
        record_id = records[0].id
        db.session.remove()

    def confirm(i):
        staff = db.session.get(Resident, (staff_id, staff2_id)[i])
        services.confirm_record(db.session.get(ServiceRecord, record_id), staff=staff, now=END + timedelta(hours=1))
        return "ok"

    results = race(any_app, 2, confirm)
    assert sorted(results) == ["already_confirmed", "ok"]
    with any_app.app_context():
        awards = db.session.scalar(select(func.count(Transaction.id)).where(Transaction.cause_type == "service_record"))
        assert awards == 1
        assert verify_ledger().ok


def test_an_undo_and_a_confirmation_at_once(any_app):
    """Staff undo a check-in while another confirms its hours: one wins, the other is told; paid at most once."""
    (activity_id, staff_id, staff2_id), people = _setup(any_app, 1)
    from points.accounts.models import Resident
    with any_app.app_context():
        activity, person = db.session.get(Activity, activity_id), db.session.get(Resident, people[0])
        services.sign_up(activity, person, now=BEFORE)
        checked_in = checkin.check_in(activity.venue, checkin.CheckinRequest(route=Route.POSTER, actor=person, now=START))
        assert checkin.check_in(activity.venue, checkin.CheckinRequest(route=Route.POSTER, actor=person, now=END)).ok
        checkin_id = checked_in.checkin_id
        record_id = services.record_of_checkin(checked_in.checkin).id
        db.session.remove()

    def work(i):
        if i == 0:
            checkin.undo_checkin(db.session.get(Checkin, checkin_id), staff=db.session.get(Resident, staff_id),
                                 reason="扫错人了", now=END)
            return "undone"
        record = db.session.get(ServiceRecord, record_id)
        if record is None:  # the page would answer 404: the undo went first
            return "record_gone"
        services.confirm_record(record, staff=db.session.get(Resident, staff2_id), now=END)
        return "confirmed"

    results = sorted(race(any_app, 2, work))
    assert results in (["record_gone", "undone"], ["confirmed", "record_confirmed"])
    with any_app.app_context():
        awards = db.session.scalar(select(func.count(Transaction.id)).where(Transaction.cause_type == "service_record"))
        record = db.session.get(ServiceRecord, record_id)
        assert (awards, record is not None) == ((1, True) if "confirmed" in results else (0, False))
        assert verify_ledger().ok
