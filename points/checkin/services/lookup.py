"""Reading what a scan is about: the meeting at a venue at a moment, the resident's standing check-in; and the one
write that keeps scans from asking other kinds needlessly (`expect_checkable`)."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, exists, func, inspect, or_, select, update

from ... import clock
from ...accounts.models import Resident
from ...db import db, next_id, transaction
from ...domains import registry
from ..checkable import Checkable
from ..models import Checkin, CheckinUndo, Meeting, MeetingStatus, Step, Venue

def lock(target: Checkable) -> None:
    """Lock the meeting's (or other checkable thing's) row and re-read it in the same statement, so that a check-in
    or a ballot and a cancel or close are ordered: whoever comes second sees what the first one did. Lock order:
    this row, then the ledger's chain head. On SQLite every write transaction is already serialised (BEGIN
    IMMEDIATE)."""
    if inspect(target, raiseerr=False) is None:
        return  # not a mapped row (a test's stand-in): nothing to lock
    model = type(target)
    db.session.scalars(select(model).where(model.id == target.id).with_for_update(of=model)
                       .execution_options(populate_existing=True)).all()  # fetched: that is what refreshes it


@dataclass(frozen=True)
class ScanFacts:
    """What a resident's scan decides on, read with the meeting under its row lock by `locate(lock_for=…)`:
    their standing check-in there (its id), how many successes they had there (all undone when none stands), and
    the id the check-in row will get (so the award can name it before the row is written)."""

    standing_id: int | None
    rounds: int
    next_id: int | None


@functools.cache
def _open_meetings_locked(dialect: str):
    """The meetings open at a venue at a moment, under their row locks, with the resident's `ScanFacts`; built once
    per dialect with bind parameters (a scan is the hottest path there is)."""
    resident_id, venue_id, moment = bindparam("scan_resident_id"), bindparam("scan_venue_id"), bindparam("scan_moment")
    mine = (Checkin.meeting_id == Meeting.id) & (Checkin.resident_id == resident_id) & Checkin.is_success & (
        Checkin.step == Step.IN.value)
    standing = (select(Checkin.id).where(mine, ~exists().where(CheckinUndo.checkin_id == Checkin.id))
                .order_by(Checkin.id.desc()).limit(1).scalar_subquery())
    rounds = select(func.count(Checkin.id)).where(mine).scalar_subquery()
    return select(Meeting, standing, rounds, next_id(Checkin, dialect)).where(
        Meeting.venue_id == venue_id, Meeting.status != MeetingStatus.CANCELLED.value,
        Meeting.opens_at <= moment, Meeting.closes_at > moment,
    ).with_for_update(of=Meeting).execution_options(populate_existing=True)


def checkins_of(target: Checkable) -> ColumnElement[bool]:
    """The log rows about this meeting (or other checkable thing): it names its own column of the log."""
    return getattr(Checkin, target.checkin_column) == target.id


def standing_checkin(target: Checkable, resident: Resident, *, step: Step = Step.IN) -> Checkin | None:
    """The resident's success at this meeting (or other checkable thing) that no undo cancelled; with
    `step=Step.OUT`, the check-out."""
    return db.session.scalar(
        select(Checkin).where(
            checkins_of(target), Checkin.resident_id == resident.id, Checkin.is_success, Checkin.step == step.value,
            ~exists().where(CheckinUndo.checkin_id == Checkin.id),
        ).order_by(Checkin.id.desc()).limit(1)
    )


def checkable_at(venue: Venue, moment: datetime) -> Checkable | None:
    return locate(venue, moment)[0]


def locate(venue: Venue, moment: datetime, *, lock_for: Resident | None = None) -> tuple[Checkable | None, ScanFacts | None]:
    """What a scan of this venue at `moment` is about: a meeting or a thing of a registered kind whose window is
    open (nearest start if several are), else `meeting_at`'s answer for a meeting that is not open.

    With `lock_for` (the resident scanning), when no other kind is open, the open meetings are read under their row
    lock with that resident's `ScanFacts` in the same statement (else the facts are None and the caller locks)."""
    found: list[Checkable] = []
    if venue.may_hold_checkables_at(moment):
        for kind in registry().checkable_kinds.values():
            found.extend(kind.open_at(venue, moment))
    facts: dict[int, ScanFacts] = {}
    if lock_for is not None and not found:
        stmt = _open_meetings_locked(db.session.get_bind().dialect.name)
        for row in db.session.execute(stmt, {"scan_resident_id": lock_for.id, "scan_venue_id": venue.id, "scan_moment": moment}):
            found.append(row[0])
            facts[row[0].id] = ScanFacts(row[1], row[2] or 0, row[3])
        meeting = None if found else meeting_at(venue, moment)
    else:
        meeting = meeting_at(venue, moment)
        if meeting is not None and meeting.window_contains(moment):
            found.append(meeting)
    if found:
        chosen = min(found, key=lambda t: abs((t.opens_at - moment).total_seconds()))
        return chosen, facts.get(chosen.id) if isinstance(chosen, Meeting) else None
    return meeting, None


@transaction
def expect_checkable(venue: Venue, *, open_until: datetime) -> None:
    """A thing of a registered kind (`registry.checkable_kind`) is held at `venue` and may take check-ins or check-outs
    until `open_until`: scans there ask the other kinds until then. The kind's service calls this whenever it
    schedules or moves one. One conditional UPDATE: it only ever moves the moment later, so that concurrent
    schedulers cannot move it back."""
    db.session.execute(update(Venue).where(
        Venue.id == venue.id, or_(Venue.checkables_until.is_(None), Venue.checkables_until < open_until),
    ).values(checkables_until=open_until))


def checkable(kind: str, ident: int) -> Checkable | None:
    """A thing named by a kiosk code: a meeting ("" kind), or one of a registered kind."""
    if not kind:
        return db.session.get(Meeting, ident)
    found = registry().checkable_kinds.get(kind)
    return found.get(ident) if found is not None else None


def checkable_by_kiosk_token(token: str) -> Checkable | None:
    if not token:
        return None
    meeting = db.session.scalar(select(Meeting).where(Meeting.kiosk_token == token))
    if meeting is not None:
        return meeting
    for kind in registry().checkable_kinds.values():
        found = kind.by_kiosk_token(token)
        if found is not None:
            return found
    return None


def is_invited(meeting: Meeting, resident: Resident) -> bool:
    return meeting.has_invited(resident)


def meeting_at(venue: Venue, moment: datetime) -> Meeting | None:
    """The meeting a scan of this venue at `moment` is about: the one whose window is open (nearest start if
    two overlap), else today's next one (too early), else today's last one (too late), else none."""
    base = select(Meeting).where(Meeting.venue_id == venue.id, Meeting.status != MeetingStatus.CANCELLED.value)
    open_now = list(db.session.scalars(base.where(Meeting.opens_at <= moment, Meeting.closes_at > moment)))
    if open_now:
        return min(open_now, key=lambda m: abs((m.starts_at - moment).total_seconds()))
    day_start, day_end = clock.day(moment)
    upcoming = db.session.scalar(base.where(Meeting.opens_at > moment, Meeting.opens_at < day_end).order_by(Meeting.opens_at).limit(1))
    if upcoming is not None:
        return upcoming
    return db.session.scalar(
        base.where(Meeting.closes_at <= moment, Meeting.closes_at >= day_start).order_by(Meeting.closes_at.desc()).limit(1)
    )


def next_meeting(venue: Venue, after: datetime) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).where(
            Meeting.venue_id == venue.id, Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.closes_at > after,
        ).order_by(Meeting.starts_at).limit(1)
    )
