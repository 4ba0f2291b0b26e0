"""Demo volunteering: volunteers with hours across the star thresholds, one activity under way (the kiosk works
at once), one finished with records awaiting confirmation, and upcoming ones to sign up for."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from ..accounts.models import Resident
from ..accounts.permissions import SYSTEM
from ..checkin.models import Checkin, Route, Step, Venue
from ..checkin.services import expect_checkable
from ..db import db, utcnow
from .models import Activity, Enrollment, ServiceConfirmation, ServiceRecord


def load(context: dict) -> None:
    from ..checkin import codes
    from .services import records
    from .services.volunteers import register_volunteer

    venue = db.session.scalar(select(Venue).order_by(Venue.id))
    if venue is None or db.session.scalar(select(Activity.id).limit(1)) is not None:
        return
    community = venue.community
    people = list(db.session.scalars(select(Resident).where(Resident.community_id == community.id).order_by(Resident.id)))
    if not people:
        return
    staff = people[0]
    volunteers = people[1:8] or people
    now = utcnow()
    for person in volunteers:
        register_volunteer(person, actor=SYSTEM, skills=["elderly"])

    def activity(title: str, start, hours: float, slots: int = 10) -> Activity:
        a = Activity(community_id=community.id, unit_id=community.id, venue_id=venue.id, title=title,
                     description="", starts_at=start, ends_at=start + timedelta(hours=hours), slots=slots, taken_slots=0,
                     secret=codes.new_secret(), kiosk_token=codes.new_token(), organiser_id=staff.id, created_by_id=staff.id)
        db.session.add(a)
        db.session.flush()
        expect_checkable(venue, open_until=a.checkout_closes_at)
        return a

    under_way = activity("楼道清洁志愿服务", now - timedelta(hours=1), 3)
    finished = activity("敬老院陪伴", now - timedelta(days=2), 2)
    activity("社区义诊协助", now + timedelta(days=3), 3, slots=8)
    activity("垃圾分类宣传", now + timedelta(days=6), 2, slots=12)
    for a in (under_way, finished):
        for person in volunteers[:4]:
            db.session.add(Enrollment(activity_id=a.id, resident_id=person.id, signed_up_at=a.starts_at - timedelta(days=1)))
            a.taken_slots += 1
    db.session.flush()
    for i, person in enumerate(volunteers[:4]):
        checked_in = Checkin(activity_id=finished.id, venue_id=venue.id, resident_id=person.id, actor_id=person.id,
                             route=Route.POSTER.value, is_success=True, step=Step.IN.value,
                             created_at=finished.starts_at - timedelta(minutes=5))
        checked_out = Checkin(activity_id=finished.id, venue_id=venue.id, resident_id=person.id, actor_id=person.id,
                              route=Route.POSTER.value, is_success=True, step=Step.OUT.value,
                              created_at=finished.ends_at - timedelta(minutes=50 * i))
        db.session.add_all([checked_in, checked_out])
        db.session.flush()
        records._make_record(finished, person, checkin=checked_in, checkout=checked_out, started_at=checked_in.created_at,
                             ended_at=checked_out.created_at, actor=SYSTEM, now=now)
    # Past service across the star thresholds: 120 h, 350 h, 20 h, confirmed long ago.
    for person, hours in zip(volunteers[4:7], (120, 350, 20)):
        past = activity(f"往年志愿服务（{person.name}）", now - timedelta(days=400), 8, slots=1)
        record = ServiceRecord(community_id=community.id, activity_id=past.id, resident_id=person.id,
                               started_at=past.starts_at, ended_at=past.ends_at, minutes=hours * 60,
                               status="confirmed", confirmed_minutes=hours * 60, revision=1, points=0,
                               is_backfilled=True, note="历史台账导入", created_by_id=staff.id)
        db.session.add(record)
        db.session.flush()
        db.session.add(ServiceConfirmation(record_id=record.id, revision=1, minutes=hours * 60, points=0,
                                           actor_id=staff.id, reason="历史台账导入（积分已另行发放）"))
    db.session.commit()
    context["volunteer_activity"] = under_way
