"""Reading volunteering for the pages: activities, sign-ups, records, hours and stars, the staff queue, rosters,
certificates, and the rows of the CSV exports."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...accounts.models import Resident
from ...checkin.models import Checkin, Step
from ...db import db, transaction, utcnow
from ..models import (
    Activity,
    ActivityStatus,
    Certificate,
    Enrollment,
    EnrollmentStatus,
    RecordStatus,
    ServiceRecord,
)
from ..stars import StarLevel, star_level


def get_activity(activity_id: int | None) -> Activity | None:
    return db.session.get(Activity, activity_id) if activity_id else None


def get_record(record_id: int | None) -> ServiceRecord | None:
    return db.session.get(ServiceRecord, record_id) if record_id else None


def activity_by_kiosk_token(token: str) -> Activity | None:
    return db.session.scalar(select(Activity).where(Activity.kiosk_token == token)) if token else None


def activities_open_at(venue, moment: datetime) -> list[Activity]:
    """Activities at this venue whose check-in or check-out window is open at `moment`."""
    rows = db.session.scalars(select(Activity).where(
        Activity.venue_id == venue.id, Activity.status == ActivityStatus.SCHEDULED.value,
        Activity.starts_at <= moment + timedelta(minutes=30), Activity.ends_at > moment - timedelta(minutes=60)))
    return [a for a in rows if a.opens_at <= moment < a.checkout_closes_at]


def upcoming_activities(community_id: int, *, now: datetime, limit: int = 50) -> list[Activity]:
    return list(db.session.scalars(select(Activity).where(
        Activity.community_id == community_id, Activity.status == ActivityStatus.SCHEDULED.value, Activity.ends_at > now,
    ).order_by(Activity.starts_at).limit(limit)))


def activities_for_staff(community_ids: list[int], *, limit: int = 100) -> list[Activity]:
    if not community_ids:
        return []
    return list(db.session.scalars(select(Activity).where(Activity.community_id.in_(community_ids))
                                   .order_by(Activity.starts_at.desc()).limit(limit)))


def enrollment_of(activity: Activity, resident: Resident) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(Enrollment.activity_id == activity.id,
                                                      Enrollment.resident_id == resident.id))


def sign_ups_of(resident: Resident, *, now: datetime) -> list[Enrollment]:
    """Standing sign-ups for activities not yet over, soonest first."""
    return list(db.session.scalars(select(Enrollment).join(Activity).where(
        Enrollment.resident_id == resident.id, Enrollment.status == EnrollmentStatus.SIGNED_UP.value,
        Activity.status == ActivityStatus.SCHEDULED.value, Activity.ends_at > now,
    ).order_by(Activity.starts_at)))


def records_of(resident: Resident, *, limit: int = 100) -> list[ServiceRecord]:
    return list(db.session.scalars(select(ServiceRecord).where(ServiceRecord.resident_id == resident.id)
                                   .order_by(ServiceRecord.started_at.desc()).limit(limit)))


def confirmed_minutes(resident: Resident) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(ServiceRecord.confirmed_minutes), 0)).where(
        ServiceRecord.resident_id == resident.id, ServiceRecord.status == RecordStatus.CONFIRMED.value)) or 0


def stars_of(resident: Resident) -> StarLevel:
    return star_level(confirmed_minutes(resident))


def awaiting_confirmation(community_ids: list[int], *, limit: int = 200) -> list[ServiceRecord]:
    """Records staff have yet to confirm, oldest first."""
    if not community_ids:
        return []
    return list(db.session.scalars(select(ServiceRecord).where(
        ServiceRecord.community_id.in_(community_ids),
        ServiceRecord.status.in_([RecordStatus.PENDING.value, RecordStatus.REVIEW.value]),
    ).order_by(ServiceRecord.created_at, ServiceRecord.id).limit(limit)))


def roster(activity: Activity) -> list[dict]:
    """Who signed up, who came (their latest check-in, perhaps undone), and for how long: one line per volunteer."""
    enrolled = {e.resident_id: e for e in db.session.scalars(select(Enrollment).where(Enrollment.activity_id == activity.id))}
    # The latest check-in of each volunteer; an undone one stays on the roster, marked, until a new one follows.
    ins = {c.resident_id: c for c in db.session.scalars(select(Checkin).where(
        Checkin.activity_id == activity.id, Checkin.is_success, Checkin.step == Step.IN.value)
        .options(selectinload(Checkin.undo)).order_by(Checkin.id))}
    records = {r.resident_id: r for r in db.session.scalars(select(ServiceRecord).where(ServiceRecord.activity_id == activity.id))}
    ids = list(dict.fromkeys([*enrolled, *ins, *records]))
    people = {r.id: r for r in db.session.scalars(select(Resident).where(Resident.id.in_(ids)))} if ids else {}
    return [{"resident": people[i], "enrollment": enrolled.get(i), "checkin": ins.get(i), "record": records.get(i)}
            for i in ids if i in people]


def hours_by_volunteer(community_id: int) -> list[tuple[Resident, int, int, int]]:
    """(volunteer, confirmed minutes, records, points) for the community, most hours first."""
    rows = db.session.execute(
        select(Resident, func.sum(ServiceRecord.confirmed_minutes), func.count(ServiceRecord.id), func.sum(ServiceRecord.points))
        .join(ServiceRecord, ServiceRecord.resident_id == Resident.id)
        .where(ServiceRecord.community_id == community_id, ServiceRecord.status == RecordStatus.CONFIRMED.value)
        .group_by(Resident.id).order_by(func.sum(ServiceRecord.confirmed_minutes).desc())
    ).all()
    return [(r, int(m or 0), int(n), int(p or 0)) for r, m, n, p in rows]


def hours_by_activity(community_id: int) -> list[tuple[Activity, int, int, int]]:
    rows = db.session.execute(
        select(Activity, func.coalesce(func.sum(ServiceRecord.confirmed_minutes), 0), func.count(ServiceRecord.id),
               func.coalesce(func.sum(ServiceRecord.points), 0))
        .outerjoin(ServiceRecord, (ServiceRecord.activity_id == Activity.id) & (ServiceRecord.status == RecordStatus.CONFIRMED.value))
        .where(Activity.community_id == community_id).group_by(Activity.id).order_by(Activity.starts_at)
    ).all()
    return [(a, int(m or 0), int(n), int(p or 0)) for a, m, n, p in rows]


def record_of_checkin(checkin: Checkin) -> ServiceRecord | None:
    return db.session.scalar(select(ServiceRecord).where(ServiceRecord.checkin_id == checkin.id))


def activities_for_case(proposal_id: int) -> list[tuple[Activity, int]]:
    """The activities serving a case (its implementation, 办), soonest first, with their confirmed minutes."""
    rows = db.session.execute(
        select(Activity, func.coalesce(func.sum(ServiceRecord.confirmed_minutes), 0))
        .outerjoin(ServiceRecord, (ServiceRecord.activity_id == Activity.id) & (ServiceRecord.status == RecordStatus.CONFIRMED.value))
        .where(Activity.proposal_id == proposal_id).group_by(Activity.id).order_by(Activity.starts_at, Activity.id)
    ).all()
    return [(a, int(m or 0)) for a, m in rows]


def certificate_by_token(token: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.token == token)) if token else None


def get_certificate(certificate_id: int | None) -> Certificate | None:
    return db.session.get(Certificate, certificate_id) if certificate_id else None


@transaction
def issue_certificate(resident: Resident, *, now: datetime | None = None) -> Certificate:
    """A certificate of the resident's confirmed hours as they stand now; its QR opens a public confirmation."""
    confirmed = [r for r in records_of(resident, limit=10_000) if r.status == RecordStatus.CONFIRMED]
    certificate = Certificate(token=secrets.token_urlsafe(18), resident_id=resident.id, community_id=resident.community_id,
                              minutes=sum(r.confirmed_minutes or 0 for r in confirmed), records=len(confirmed),
                              issued_at=now or utcnow())
    db.session.add(certificate)
    db.session.flush()
    return certificate
