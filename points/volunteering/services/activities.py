"""Activities and sign-ups: staff create, edit and cancel; volunteers sign up and cancel before the start.

A sign-up takes a slot by a conditional UPDATE (`taken_slots < slots`, still scheduled, not started) whose
rowcount is checked, in the same transaction as the enrollment row: forty volunteers racing for ten slots get
exactly ten sign-ups, on PostgreSQL (the row lock re-checks the condition) and on SQLite (one writer at a time).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...checkin import codes
from ...checkin.models import Venue
from ...checkin.services import expect_checkable
from ...db import db, transaction, utcnow
from ...domains import registry
from ...units.models import Unit
from ..models import ACTIVITY_TRANSITIONS, Activity, ActivityStatus, Enrollment, EnrollmentStatus
from .errors import (
    ActivityCancelled,
    ActivityError,
    ActivityFull,
    AlreadySignedUp,
    AlreadyStarted,
    NotAVolunteer,
    NotSignedUp,
)
from .volunteers import volunteer_of

MAX_SLOTS = 1000
MAX_MINUTES = 24 * 60


@transaction
def create_activity(
    *, staff: Resident, venue: Venue, unit: Unit | None = None, title: str, starts_at: datetime | None,
    ends_at: datetime | None, slots: int | None, description: str = "", place: str = "",
    points_per_hour: int | None = None, fixed_points: int | None = None, cap_minutes: int | None = None,
    proposal_id: int | None = None, now: datetime | None = None,
) -> Activity:
    require(staff, Role.STAFF, venue.community)
    now = now or utcnow()
    activity = Activity(community_id=venue.community_id, secret=codes.new_secret(), kiosk_token=codes.new_token(),
                        organiser_id=staff.id, created_by_id=staff.id, created_at=now, taken_slots=0)
    _fill(activity, venue=venue, unit=unit or venue.community, title=title, starts_at=starts_at, ends_at=ends_at,
          slots=slots, description=description, place=place, points_per_hour=points_per_hour,
          fixed_points=fixed_points, cap_minutes=cap_minutes, proposal_id=proposal_id, now=now)
    db.session.add(activity)
    db.session.flush()
    events.activity_scheduled.send("volunteering", activity=activity, actor=staff, now=now)
    return activity


@transaction
def update_activity(
    activity: Activity, *, staff: Resident, venue: Venue, unit: Unit | None = None, title: str,
    starts_at: datetime | None, ends_at: datetime | None, slots: int | None, description: str = "", place: str = "",
    points_per_hour: int | None = None, fixed_points: int | None = None, cap_minutes: int | None = None,
    proposal_id: int | None = None, now: datetime | None = None,
) -> Activity:
    require(staff, Role.STAFF, activity.community)
    locked = _lock(activity)
    if locked.status != ActivityStatus.SCHEDULED:
        raise ActivityCancelled()
    if venue.community_id != locked.community_id:
        raise ActivityError(_l("Choose a venue in the activity's community."), code="invalid_venue", field="venue")
    if slots is not None and slots < locked.taken_slots:
        raise ActivityError(_l("%(n)d volunteers have signed up; slots cannot be fewer.", n=locked.taken_slots),
                            code="slots_below_signups", field="slots")
    _fill(locked, venue=venue, unit=unit or venue.community, title=title, starts_at=starts_at, ends_at=ends_at,
          slots=slots, description=description, place=place, points_per_hour=points_per_hour,
          fixed_points=fixed_points, cap_minutes=cap_minutes, proposal_id=proposal_id, now=now or utcnow(),
          is_new=False)
    db.session.flush()
    return locked


@transaction
def cancel_activity(activity: Activity, *, staff: Resident, reason: str, now: datetime | None = None) -> Activity:
    """Cancel; the signed-up volunteers are announced with `activity_cancelled` (an inbox tells them)."""
    require(staff, Role.STAFF, activity.community)
    reason = (reason or "").strip()
    if not reason:
        raise ActivityError(_l("Please give a reason."), code="reason_required", field="reason")
    now = now or utcnow()
    done = db.session.execute(
        update(Activity).where(Activity.id == activity.id, Activity.status == ActivityStatus.SCHEDULED.value)
        .values(status=ActivityStatus.CANCELLED.value, cancelled_at=now, cancelled_by_id=staff.id, cancel_reason=reason[:500])
    )
    if done.rowcount != 1:
        raise ActivityCancelled()
    assert ActivityStatus.CANCELLED in ACTIVITY_TRANSITIONS[ActivityStatus.SCHEDULED]
    db.session.refresh(activity)
    signed = list(db.session.scalars(select(Enrollment).where(
        Enrollment.activity_id == activity.id, Enrollment.status == EnrollmentStatus.SIGNED_UP.value)))
    events.activity_cancelled.send("volunteering", activity=activity, enrollments=signed, actor=staff, now=now)
    return activity


@transaction
def sign_up(activity: Activity, resident: Resident, *, now: datetime | None = None) -> Enrollment:
    """A volunteer of the activity's community takes one of its slots, before the start."""
    now = now or utcnow()
    if resident.community_id != activity.community_id:
        raise NotSignedUp(_l("This activity is for another community."), code="other_community")
    if volunteer_of(resident) is None:
        raise NotAVolunteer()
    if activity.is_cancelled:
        raise ActivityCancelled()
    if now >= activity.starts_at:
        raise AlreadyStarted()
    enrollment = _claim_enrollment(activity, resident, now)
    taken = db.session.execute(
        update(Activity).where(
            Activity.id == activity.id, Activity.taken_slots < Activity.slots,
            Activity.status == ActivityStatus.SCHEDULED.value, Activity.starts_at > now,
        ).values(taken_slots=Activity.taken_slots + 1)
    )
    if taken.rowcount != 1:
        db.session.refresh(activity)
        if activity.is_cancelled:
            raise ActivityCancelled()
        raise ActivityFull()
    db.session.refresh(activity)
    events.volunteer_signed_up.send("volunteering", enrollment=enrollment, activity=activity, resident=resident,
                                    actor=resident, now=now)
    return enrollment


def _claim_enrollment(activity: Activity, resident: Resident, now: datetime) -> Enrollment:
    """A new enrollment, or a cancelled one revived; the unique (activity, resident) pair decides races."""
    fresh = Enrollment(activity_id=activity.id, resident_id=resident.id, status=EnrollmentStatus.SIGNED_UP.value,
                       signed_up_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(fresh)
        return fresh
    except IntegrityError:
        pass
    revived = db.session.execute(
        update(Enrollment).where(
            Enrollment.activity_id == activity.id, Enrollment.resident_id == resident.id,
            Enrollment.status == EnrollmentStatus.CANCELLED.value,
        ).values(status=EnrollmentStatus.SIGNED_UP.value, signed_up_at=now, cancelled_at=None)
    )
    if revived.rowcount != 1:
        raise AlreadySignedUp()
    return db.session.scalar(select(Enrollment).where(
        Enrollment.activity_id == activity.id, Enrollment.resident_id == resident.id).execution_options(populate_existing=True))


@transaction
def cancel_sign_up(activity: Activity, resident: Resident, *, now: datetime | None = None) -> Enrollment:
    """The volunteer withdraws before the start; the slot is freed for someone else."""
    now = now or utcnow()
    if now >= activity.starts_at:
        raise AlreadyStarted(_l("The activity has started; please tell the organiser instead."))
    done = db.session.execute(
        update(Enrollment).where(
            Enrollment.activity_id == activity.id, Enrollment.resident_id == resident.id,
            Enrollment.status == EnrollmentStatus.SIGNED_UP.value,
        ).values(status=EnrollmentStatus.CANCELLED.value, cancelled_at=now)
    )
    if done.rowcount != 1:
        raise NotSignedUp()
    db.session.execute(update(Activity).where(Activity.id == activity.id, Activity.taken_slots > 0)
                       .values(taken_slots=Activity.taken_slots - 1))
    db.session.refresh(activity)
    enrollment = db.session.scalar(select(Enrollment).where(
        Enrollment.activity_id == activity.id, Enrollment.resident_id == resident.id).execution_options(populate_existing=True))
    events.sign_up_cancelled.send("volunteering", enrollment=enrollment, activity=activity, resident=resident,
                                  actor=resident, now=now)
    return enrollment


def _lock(activity: Activity) -> Activity:
    return db.session.scalar(select(Activity).where(Activity.id == activity.id).with_for_update()
                             .execution_options(populate_existing=True))


def _fill(activity: Activity, *, venue: Venue, unit: Unit, title: str, starts_at: datetime | None,
          ends_at: datetime | None, slots: int | None, description: str, place: str, points_per_hour: int | None,
          fixed_points: int | None, cap_minutes: int | None, proposal_id: int | None, now: datetime,
          is_new: bool = True) -> None:
    title = (title or "").strip()
    if not title:
        raise ActivityError(_l("Please give the activity a title."), code="title_required", field="title")
    if venue.community_id != activity.community_id or not venue.is_active:
        raise ActivityError(_l("Choose a venue in the activity's community."), code="invalid_venue", field="venue")
    if not venue.community.contains(unit):
        raise ActivityError(_l("Choose a unit in the activity's community."), code="invalid_unit", field="unit")
    if starts_at is None:
        raise ActivityError(_l("Please give the start time."), code="start_required", field="starts_at")
    if ends_at is None or ends_at <= starts_at:
        raise ActivityError(_l("The end must be after the start."), code="ends_before_start", field="ends_at")
    if (ends_at - starts_at).total_seconds() > MAX_MINUTES * 60:
        raise ActivityError(_l("An activity lasts at most one day."), code="too_long", field="ends_at")
    if is_new and starts_at <= now:
        raise ActivityError(_l("The start must be in the future."), code="start_in_past", field="starts_at")
    if slots is None or not 1 <= slots <= MAX_SLOTS:
        raise ActivityError(_l("Slots must be between 1 and %(n)d.", n=MAX_SLOTS), code="invalid_slots", field="slots")
    if points_per_hour is not None and fixed_points is not None:
        raise ActivityError(_l("Give points per hour or a fixed amount, not both."), code="points_both", field="fixed_points")
    for name, value in (("points_per_hour", points_per_hour), ("fixed_points", fixed_points)):
        if value is not None and not 0 <= value <= 1000:
            raise ActivityError(_l("Points must be between 0 and 1000."), code="invalid_points", field=name)
    if cap_minutes is not None and not 1 <= cap_minutes <= MAX_MINUTES:
        raise ActivityError(_l("The cap must be between 1 minute and 24 hours."), code="invalid_cap", field="cap_minutes")
    activity.venue_id, activity.venue, activity.unit_id = venue.id, venue, unit.id
    activity.title, activity.description, activity.place = title[:120], (description or "").strip(), (place or "").strip()[:200]
    activity.starts_at, activity.ends_at, activity.slots = starts_at, ends_at, slots
    expect_checkable.joined(venue, open_until=activity.checkout_closes_at)  # scans at the venue look for it
    activity.points_per_hour, activity.fixed_points, activity.cap_minutes = points_per_hour, fixed_points, cap_minutes
    if proposal_id is not None and proposal_id != activity.proposal_id:
        _check_case(proposal_id, activity.community_id)
    activity.proposal_id = proposal_id


def _check_case(proposal_id: int, community_id: int) -> None:
    """A new link goes to a case of the activity's community in implementation (办); a link already made stays
    when the case moves on (the activity still served it)."""
    case = registry().case(proposal_id)
    if case is None or case.community_id != community_id:
        raise ActivityError(_l("Choose a case of the activity's community."), code="invalid_proposal", field="proposal")
    if not case.is_implementing:
        raise ActivityError(_l("Only a case being carried out (办理中) can be linked."), code="proposal_not_implementing",
                            field="proposal")
