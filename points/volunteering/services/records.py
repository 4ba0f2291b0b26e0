"""Service records: made from a check-out (the `checked_out` event of the check-in package), closed at the end
for a forgotten check-out, or back-filled by staff; confirmed by staff of the community, never their own.

Hours = check-out − check-in, clipped to the scheduled span and the activity's cap. A stay under 60 % of the
span, or a forgotten check-out, waits in review. Confirmation takes the record by a conditional UPDATE on its
`revision` (two staff confirming at once: one wins, the other gets `already_confirmed`) and awards once through
`ledger.award` under the key `volunteer:record:<id>:rev:<n>`. A correction after confirmation is a reversal of
the standing award plus a new award under the next revision, never an edit of the booked one.

Staff undo a mistaken check-in through the check-in package's one `undo_checkin` (logged with who and why): its
record, not yet confirmed, goes with it, and so does its check-out; once the hours are confirmed the undo is
refused (`record_confirmed`): a correction is then an adjustment with a reason.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, select, update
from sqlalchemy.exc import IntegrityError

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import Actor, require, require_not_self
from ...checkin import services as checkin_services
from ...checkin.models import Checkin, CheckinUndo, Step
from ...db import db, transaction, utcnow
from ...ledger import services as ledger
from ...ledger.rules import rule_for
from ..earning import DEFAULT_POINTS_CAP_MINUTES, VOLUNTEER_HOUR
from ..models import (
    RECORD_TRANSITIONS,
    REVIEW_SHARE,
    Activity,
    ActivityStatus,
    RecordStatus,
    ReviewReason,
    ServiceConfirmation,
    ServiceRecord,
)
from .errors import (
    AlreadyConfirmed,
    NotConfirmed,
    RecordConfirmed,
    RecordError,
    RecordExists,
)
from .volunteers import volunteer_of


def clipped_minutes(activity: Activity, started_at: datetime, ended_at: datetime) -> tuple[int, bool]:
    """Minutes within the span, up to the cap; and whether the stay was under 60 % of the span (review)."""
    start, end = max(started_at, activity.starts_at), min(ended_at, activity.ends_at)
    stay = max(0, int((end - start).total_seconds() // 60))
    minutes = min(stay, activity.cap_minutes) if activity.cap_minutes else stay
    return minutes, stay < REVIEW_SHARE * activity.span_minutes


def points_for(activity: Activity, minutes: int) -> int:
    """A fixed amount, or the rate per hour for the minutes up to the points cap (§9: 2 h unless the activity
    sets its own cap)."""
    if activity.fixed_points is not None:
        return activity.fixed_points if minutes > 0 else 0
    rate = activity.points_per_hour if activity.points_per_hour is not None else rule_for(activity.community_id, VOLUNTEER_HOUR).points
    counted = min(minutes, activity.cap_minutes or DEFAULT_POINTS_CAP_MINUTES)
    return round(rate * counted / 60)


@events.in_transaction(events.checked_out)
def _record_checkout(sender, *, checkout: Checkin, checkin: Checkin, target, resident: Resident, actor, now: datetime) -> None:
    """A check-out from an activity becomes its service record, in the check-out's transaction."""
    if isinstance(target, Activity):
        _make_record(target, resident, checkin=checkin, checkout=checkout, started_at=checkin.created_at,
                     ended_at=checkout.created_at, actor=actor, now=now)


@events.in_transaction(events.checkin_undone)
def _undo_the_stay(sender, *, undo: CheckinUndo, checkin: Checkin, actor, now: datetime, **_: object) -> None:
    """An activity's check-in undone: its record goes (refused once confirmed), and its check-out is undone too,
    so the volunteer can check in and out again. A check-out alone is not undone: the hours are adjusted instead."""
    if checkin.activity_id is None:
        return
    if checkin.step == Step.OUT.value:
        if _undone_checkin_of(checkin) is None:
            raise RecordError(_l("A check-out is not undone on its own: undo the check-in, or adjust the hours."),
                              code="undo_the_checkin")
        return
    record = db.session.scalar(select(ServiceRecord).where(ServiceRecord.checkin_id == checkin.id))
    if record is not None:
        if record.status == RecordStatus.CONFIRMED:
            raise RecordConfirmed()
        # Conditional: a confirmation committed meanwhile keeps the record, and the undo is refused.
        gone = db.session.execute(delete(ServiceRecord).where(
            ServiceRecord.id == record.id, ServiceRecord.status != RecordStatus.CONFIRMED.value))
        if gone.rowcount != 1:
            raise RecordConfirmed()
    checkout = db.session.scalar(select(Checkin).where(
        Checkin.activity_id == checkin.activity_id, Checkin.resident_id == checkin.resident_id, Checkin.is_success,
        Checkin.step == Step.OUT.value, Checkin.round == checkin.round, ~exists().where(CheckinUndo.checkin_id == Checkin.id)))
    if checkout is not None:
        checkin_services.undo_checkin(checkout, staff=actor, reason=undo.reason, now=now)


def _undone_checkin_of(checkout: Checkin) -> Checkin | None:
    return db.session.scalar(select(Checkin).join(CheckinUndo, CheckinUndo.checkin_id == Checkin.id).where(
        Checkin.activity_id == checkout.activity_id, Checkin.resident_id == checkout.resident_id, Checkin.is_success,
        Checkin.step == Step.IN.value, Checkin.round == checkout.round))


def _make_record(activity: Activity, resident: Resident, *, checkin: Checkin | None, checkout: Checkin | None,
                 started_at: datetime, ended_at: datetime, actor: Actor, now: datetime, forgotten: bool = False,
                 backfilled: bool = False, note: str = "") -> ServiceRecord:
    minutes, short = clipped_minutes(activity, started_at, ended_at)
    reason = ReviewReason.FORGOTTEN_CHECKOUT if forgotten else (ReviewReason.SHORT_STAY if short and not backfilled else None)
    record = ServiceRecord(
        community_id=activity.community_id, activity_id=activity.id, resident_id=resident.id,
        checkin_id=checkin.id if checkin else None, checkout_id=checkout.id if checkout else None,
        started_at=started_at, ended_at=ended_at, minutes=minutes,
        status=(RecordStatus.REVIEW if reason else RecordStatus.PENDING).value, review_reason=reason.value if reason else None,
        is_backfilled=backfilled, note=note[:500], created_at=now, created_by_id=getattr(actor, "id", None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        raise RecordExists() from None
    events.service_recorded.send("volunteering", record=record, activity=activity, resident=resident, actor=actor, now=now)
    return record


@transaction
def close_forgotten_checkouts(*, actor: Actor, now: datetime | None = None) -> int:
    """Close every check-in left open after its activity's check-out window: a record ending at the activity's
    end, flagged for review. Run by `points volunteering close` (cron) as SYSTEM; safe to run again."""
    now = now or utcnow()
    open_ins = db.session.execute(
        select(Checkin, Activity).join(Activity, Activity.id == Checkin.activity_id).where(
            Checkin.is_success, Checkin.step == Step.IN.value, Activity.status == ActivityStatus.SCHEDULED.value,
            Activity.ends_at <= now, ~exists().where(CheckinUndo.checkin_id == Checkin.id),
            ~exists().where(ServiceRecord.activity_id == Checkin.activity_id, ServiceRecord.resident_id == Checkin.resident_id),
        ).order_by(Checkin.id)
    ).all()
    closed = 0
    for checkin, activity in open_ins:
        if now < activity.checkout_closes_at:
            continue
        _make_record(activity, checkin.resident, checkin=checkin, checkout=None, started_at=checkin.created_at,
                     ended_at=activity.ends_at, actor=actor, now=now, forgotten=True)
        closed += 1
    return closed


@transaction
def backfill_record(activity: Activity, resident: Resident, *, staff: Resident, started_at: datetime | None,
                    ended_at: datetime | None, note: str, now: datetime | None = None) -> ServiceRecord:
    """Staff record the time of a volunteer without a phone; it waits for confirmation like any other."""
    require(staff, Role.STAFF, activity.community)
    if resident.community_id != activity.community_id:
        raise RecordError(_l("This resident lives in another community."), code="other_community", field="resident")
    if volunteer_of(resident) is None:
        raise RecordError(_l("This resident is not registered as a volunteer."), code="not_a_volunteer", field="resident")
    if not (note or "").strip():
        raise RecordError(_l("Please say why the hours are recorded by hand."), code="reason_required", field="note")
    if started_at is None or ended_at is None or ended_at <= started_at:
        raise RecordError(_l("The end must be after the start."), code="ends_before_start", field="ended_at")
    now = now or utcnow()
    if activity.is_cancelled:
        raise RecordError(_l("This activity was cancelled."), code="activity_cancelled")
    return _make_record(activity, resident, checkin=None, checkout=None, started_at=started_at, ended_at=ended_at,
                        actor=staff, now=now, backfilled=True, note=note.strip())


@transaction
def confirm_record(record: ServiceRecord, *, staff: Resident, now: datetime | None = None) -> ServiceRecord:
    """Confirm the hours as recorded: the award is booked once."""
    return _confirm(record, staff=staff, minutes=record.minutes, reason="", now=now or utcnow(), correcting=False)


@transaction
def adjust_record(record: ServiceRecord, *, staff: Resident, minutes: int | None, reason: str,
                  now: datetime | None = None) -> ServiceRecord:
    """Confirm with other hours than recorded, or correct a confirmed record: always with a reason."""
    if not (reason or "").strip():
        raise RecordError(_l("Please give a reason for the change."), code="reason_required", field="reason")
    if minutes is None or not 0 <= minutes <= 24 * 60:
        raise RecordError(_l("Minutes must be between 0 and 1440."), code="invalid_minutes", field="minutes")
    return _confirm(record, staff=staff, minutes=minutes, reason=reason.strip(), now=now or utcnow(),
                    correcting=record.status == RecordStatus.CONFIRMED)


def _confirm(record: ServiceRecord, *, staff: Resident, minutes: int, reason: str, now: datetime,
             correcting: bool) -> ServiceRecord:
    require(staff, Role.STAFF, record.activity.community)
    require_not_self(staff, record.resident, message=_l("Staff cannot confirm their own hours."))
    seen = record.revision
    allowed = [s.value for s, targets in RECORD_TRANSITIONS.items() if RecordStatus.CONFIRMED in targets
               and (s == RecordStatus.CONFIRMED) == correcting]
    activity = record.activity
    minutes = min(minutes, activity.cap_minutes) if activity.cap_minutes else minutes
    points = points_for(activity, minutes)
    taken = db.session.execute(
        update(ServiceRecord).where(ServiceRecord.id == record.id, ServiceRecord.revision == seen,
                                    ServiceRecord.status.in_(allowed))
        .values(revision=seen + 1, status=RecordStatus.CONFIRMED.value, confirmed_minutes=minutes, points=points,
                confirmed_at=now, confirmed_by_id=staff.id)
    )
    if taken.rowcount != 1:
        if db.session.scalar(select(ServiceRecord.id).where(ServiceRecord.id == record.id)) is None:
            raise RecordError(_l("This record is gone: its check-in was undone."), code="record_gone")
        db.session.refresh(record)
        if correcting or record.status != RecordStatus.CONFIRMED:
            raise AlreadyConfirmed(_l("Someone else changed this record just now. Please look again."), code="changed")
        raise AlreadyConfirmed()
    previous = db.session.scalar(select(ServiceConfirmation).where(
        ServiceConfirmation.record_id == record.id, ServiceConfirmation.revision == seen)) if seen else None
    reversal = None
    if previous is not None and previous.transaction_id is not None:
        reversal = ledger.reverse(ledger.get_transaction(previous.transaction_id), actor=staff, reason=reason, now=now)
    resident = record.resident
    transaction_id, awarded = None, 0
    if points > 0:
        outcome = ledger.award(resident, VOLUNTEER_HOUR, key=f"volunteer:record:{record.id}:rev:{seen + 1}",
                               cause=("service_record", record.id), memo=activity.memo, points=points, actor=staff, now=now)
        transaction_id, awarded = (outcome.transaction.id if outcome.transaction else None), outcome.points
    db.session.add(ServiceConfirmation(record_id=record.id, revision=seen + 1, minutes=minutes, points=awarded,
                                       transaction_id=transaction_id, reversal_id=reversal.id if reversal else None,
                                       actor_id=staff.id, reason=reason[:500], created_at=now))
    db.session.execute(update(ServiceRecord).where(ServiceRecord.id == record.id).values(points=awarded))
    db.session.flush()
    db.session.refresh(record)
    events.service_confirmed.send("volunteering", record=record, resident=resident, minutes=minutes, points=awarded,
                                  is_correction=correcting, actor=staff, now=now)
    return record


def require_confirmed(record: ServiceRecord) -> None:
    if record.status != RecordStatus.CONFIRMED:
        raise NotConfirmed()
