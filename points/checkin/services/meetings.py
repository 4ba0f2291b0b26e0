"""Venues and meetings: set up, change, cancel, invite, close; and the lists staff and residents read."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from ... import events
from ...accounts.models import Resident, Role, RoleGrant
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ...units.models import Unit
from .. import codes
from ..models import (
    MEETING_TRANSITIONS,
    Audience,
    Checkin,
    CheckinUndo,
    InviteeRole,
    Meeting,
    MeetingInvitee,
    MeetingStatus,
    SecurityMode,
    Step,
    Venue,
    VenueKind,
    Vote,
)
from ..checkable import Checkable
from .errors import MeetingError, VenueError
from .lookup import checkins_of, lock
from .votes import tally

MAX_WINDOW_MINUTES = 240
MAX_POINTS = 1000


# ---------------------------------------------------------------------------------------------------------
# Venues


@transaction
def create_venue(*, staff: Resident, unit: Unit | None, name: str, kind: str, brand: str = "", location: str = "") -> Venue:
    """A deliberation point in the community that `unit` belongs to (the community, a compound or building)."""
    community = _venue_community(unit)
    require(staff, Role.STAFF, community)
    venue = Venue(community_id=community.id, unit_id=unit.id, poster_token=codes.new_token(),  # type: ignore[union-attr]
                  created_by_id=staff.id)
    _fill_venue(venue, name=name, kind=kind, brand=brand, location=location)
    db.session.add(venue)
    db.session.flush()
    return venue


@transaction
def update_venue(venue: Venue, *, staff: Resident, unit: Unit | None, name: str, kind: str, brand: str = "",
                 location: str = "", is_active: bool = True) -> Venue:
    require(staff, Role.STAFF, venue.community)
    if _venue_community(unit).id != venue.community_id:
        raise VenueError(_l("Choose a place in the venue's own community."), code="invalid_unit", field="unit")
    venue.unit_id = unit.id  # type: ignore[union-attr]
    _fill_venue(venue, name=name, kind=kind, brand=brand, location=location)
    venue.is_active = is_active
    db.session.flush()
    return venue


def _venue_community(unit: Unit | None) -> Unit:
    if unit is None or unit.community_id is None:
        raise VenueError(_l("Choose where the venue is."), code="invalid_unit", field="unit")
    return db.session.get(Unit, unit.community_id)  # type: ignore[return-value]


def _fill_venue(venue: Venue, *, name: str, kind: str, brand: str, location: str) -> None:
    name, brand, location = (name or "").strip(), (brand or "").strip(), (location or "").strip()
    if not name or len(name) > 80:
        raise VenueError(_l("Please enter a name of up to 80 characters."), code="invalid_name", field="name")
    if len(brand) > 40:
        raise VenueError(_l("The brand name can have up to 40 characters."), code="invalid_brand", field="brand")
    if len(location) > 200:
        raise VenueError(_l("The location can have up to 200 characters."), code="invalid_location", field="location")
    if kind not in {k.value for k in VenueKind}:
        raise VenueError(_l("Choose the kind of venue."), code="invalid_kind", field="kind")
    taken = select(Venue.id).where(Venue.community_id == venue.community_id, Venue.name == name)
    if venue.id is not None:
        taken = taken.where(Venue.id != venue.id)
    if db.session.scalar(taken) is not None:
        raise VenueError(_l("The community already has a venue of this name."), code="name_taken", field="name")
    venue.name, venue.brand, venue.location, venue.kind = name, brand, location, kind


def venues_in(community_ids: list[int], *, active_only: bool = False) -> list[Venue]:
    stmt = select(Venue).where(Venue.community_id.in_(community_ids))
    if active_only:
        stmt = stmt.where(Venue.is_active)
    return list(db.session.scalars(stmt.order_by(Venue.community_id, Venue.name)))


def venue_by_token(token: str) -> Venue | None:
    return db.session.scalar(select(Venue).where(Venue.poster_token == token)) if token else None


# ---------------------------------------------------------------------------------------------------------
# Meetings


@transaction
def schedule_meeting(
    *, staff: Resident, venue: Venue, title: str, starts_at: datetime | None, ends_at: datetime | None,
    opens_before: int = 30, closes_after: int = 0, points: int | None = None, agenda: str = "",
    security_mode: str = SecurityMode.POSTER, audience: str = Audience.COMMUNITY, proposal_id: int | None = None,
    unit: Unit | None = None, now: datetime | None = None,
) -> Meeting:
    """Set a meeting at a venue. The community's council members are invited at once; with audience "unit", the
    residents of `unit` (an area of the venue's community) are invited too."""
    require(staff, Role.STAFF, venue.community)
    meeting = Meeting(community_id=venue.community_id, secret=codes.new_secret(), kiosk_token=codes.new_token(),
                      created_by_id=staff.id, created_at=now or utcnow())
    _fill_meeting(meeting, venue=venue, title=title, starts_at=starts_at, ends_at=ends_at, opens_before=opens_before,
                  closes_after=closes_after, points=points, agenda=agenda, security_mode=security_mode,
                  audience=audience, proposal_id=proposal_id, unit=unit, now=now or utcnow())
    db.session.add(meeting)
    db.session.flush()
    for resident in council_of(venue.community):
        db.session.add(MeetingInvitee(meeting_id=meeting.id, resident_id=resident.id, role=InviteeRole.COUNCIL.value,
                                      invited_by_id=staff.id))
    db.session.flush()
    events.meeting_scheduled.send("checkin", meeting=meeting, actor=staff, now=meeting.created_at)
    return meeting


@transaction
def update_meeting(
    meeting: Meeting, *, staff: Resident, venue: Venue, title: str, starts_at: datetime | None,
    ends_at: datetime | None, opens_before: int = 30, closes_after: int = 0, points: int | None = None,
    agenda: str = "", security_mode: str = SecurityMode.POSTER, audience: str = Audience.COMMUNITY,
    proposal_id: int | None = None, unit: Unit | None = None, now: datetime | None = None,
) -> Meeting:
    """Change a scheduled meeting. With audience "unit" and no `unit` given, its area stays."""
    require(staff, Role.STAFF, meeting.community)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingError(_l("A closed or cancelled meeting cannot be changed."), code="not_scheduled")
    if venue.community_id != meeting.community_id:
        raise MeetingError(_l("Choose a venue in the meeting's community."), code="invalid_venue", field="venue")
    _fill_meeting(meeting, venue=venue, title=title, starts_at=starts_at, ends_at=ends_at, opens_before=opens_before,
                  closes_after=closes_after, points=points, agenda=agenda, security_mode=security_mode,
                  audience=audience, proposal_id=proposal_id, unit=unit or meeting.unit, now=now or utcnow())
    db.session.flush()
    return meeting


def _fill_meeting(meeting: Meeting, *, venue: Venue, title: str, starts_at: datetime | None, ends_at: datetime | None,
                  opens_before: int, closes_after: int, points: int | None, agenda: str, security_mode: str,
                  audience: str, proposal_id: int | None, now: datetime, unit: Unit | None = None) -> None:
    title = (title or "").strip()
    if not title or len(title) > 120:
        raise MeetingError(_l("Please enter a title of up to 120 characters."), code="invalid_title", field="title")
    if not venue.is_active:
        raise MeetingError(_l("This venue is no longer in use."), code="invalid_venue", field="venue")
    if starts_at is None:
        raise MeetingError(_l("Please enter when the meeting starts."), code="invalid_time", field="start")
    if ends_at is None or ends_at <= starts_at:
        raise MeetingError(_l("The meeting must end after it starts."), code="ends_before_start", field="end")
    if ends_at - starts_at > timedelta(hours=12):
        raise MeetingError(_l("A meeting can last up to 12 hours."), code="too_long", field="end")
    if ends_at <= now and (meeting.id is None or meeting.ends_at != ends_at):
        raise MeetingError(_l("This time has already passed."), code="in_past", field="end")
    if not 0 <= opens_before <= MAX_WINDOW_MINUTES:
        raise MeetingError(_l("Between 0 and %(n)d minutes.", n=MAX_WINDOW_MINUTES), code="invalid_window", field="opens_before")
    if not 0 <= closes_after <= MAX_WINDOW_MINUTES:
        raise MeetingError(_l("Between 0 and %(n)d minutes.", n=MAX_WINDOW_MINUTES), code="invalid_window", field="closes_after")
    if points is not None and not 0 <= points <= MAX_POINTS:
        raise MeetingError(_l("Between 0 and %(n)d points.", n=MAX_POINTS), code="invalid_points", field="points")
    if security_mode not in {m.value for m in SecurityMode}:
        raise MeetingError(_l("Choose how residents check in."), code="invalid_mode", field="security_mode")
    if audience not in {a.value for a in Audience}:
        raise MeetingError(_l("Choose who may attend."), code="invalid_audience", field="audience")
    if audience == Audience.UNIT and (unit is None or unit.community_id != venue.community_id):
        raise MeetingError(_l("Choose an area of the venue's community."), code="invalid_unit", field="audience")
    clash = select(Meeting.id).where(
        Meeting.venue_id == venue.id, Meeting.status != MeetingStatus.CANCELLED.value,
        Meeting.starts_at < ends_at, Meeting.ends_at > starts_at,
    )
    if meeting.id is not None:
        clash = clash.where(Meeting.id != meeting.id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise MeetingError(_l("The venue is already booked at this time."), code="venue_booked", field="start")
    meeting.venue_id, meeting.venue = venue.id, venue
    meeting.title, meeting.agenda = title, (agenda or "").strip()
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.opens_at = starts_at - timedelta(minutes=opens_before)
    meeting.closes_at = ends_at + timedelta(minutes=closes_after)
    meeting.points, meeting.security_mode, meeting.audience = points, security_mode, audience
    meeting.unit = unit if audience == Audience.UNIT else None
    meeting.proposal_id = proposal_id


def _transition(meeting: Meeting, target: MeetingStatus) -> None:
    if target not in MEETING_TRANSITIONS[MeetingStatus(meeting.status)]:
        raise MeetingError(_l("A closed or cancelled meeting cannot be changed."), code="not_scheduled")
    meeting.status = target.value


@transaction
def cancel_meeting(meeting: Meeting, *, staff: Resident, reason: str, now: datetime | None = None) -> Meeting:
    """Call a meeting off. Not once residents have checked in: undo their check-ins first, points and all."""
    require(staff, Role.STAFF, meeting.community)
    if not (reason or "").strip():
        raise MeetingError(_l("Please give a reason."), code="reason_required", field="reason")
    lock(meeting)  # check-ins in flight finish first, and are counted below
    if attendance_count(meeting):
        raise MeetingError(_l("Residents have checked in to this meeting: undo their check-ins first."), code="has_checkins")
    _transition(meeting, MeetingStatus.CANCELLED)
    meeting.cancelled_at, meeting.cancelled_by_id, meeting.cancel_reason = now or utcnow(), staff.id, reason.strip()[:500]
    events.meeting_cancelled.send("checkin", meeting=meeting, actor=staff, now=meeting.cancelled_at)
    return meeting


@transaction
def close_meeting(meeting: Meeting, *, staff: Resident, minutes: str, headcount: int | None,
                  now: datetime | None = None) -> Meeting:
    """Record the minutes and the closing headcount. Fewer heads than check-ins flags the meeting for review.
    Check-in ends with the meeting, and votes still open are closed with it."""
    require(staff, Role.STAFF, meeting.community)
    now = now or utcnow()
    if now < meeting.starts_at:
        raise MeetingError(_l("The meeting has not started yet."), code="not_started")
    if headcount is None or headcount < 0:
        raise MeetingError(_l("Please enter how many people were there."), code="invalid_headcount", field="headcount")
    lock(meeting)  # check-ins and ballots in flight finish first, and are counted below
    _transition(meeting, MeetingStatus.CLOSED)
    meeting.minutes = (minutes or "").strip()
    meeting.closing_headcount = headcount
    meeting.is_flagged_for_review = headcount < attendance_count(meeting)
    meeting.closed_at, meeting.closed_by_id = now, staff.id
    for vote in db.session.scalars(select(Vote).where(Vote.meeting_id == meeting.id, Vote.is_open)):
        tally(vote, now=now)
        events.vote_closed.send("checkin", vote=vote, meeting=meeting, actor=staff, now=now)
    events.meeting_closed.send("checkin", meeting=meeting, actor=staff, now=now)
    return meeting


# ---------------------------------------------------------------------------------------------------------
# Invited participants


def council_of(community: Unit) -> list[Resident]:
    """The fixed deliberation members: residents of the community with the council role on it or above it."""
    stmt = (
        select(Resident).join(RoleGrant, RoleGrant.resident_id == Resident.id)
        .where(RoleGrant.role == Role.COUNCIL.value, RoleGrant.unit_id.in_(community.ancestor_ids),
               Resident.community_id == community.id)
        .distinct().order_by(Resident.name)
    )
    return list(db.session.scalars(stmt))


@transaction
def invite(meeting: Meeting, resident: Resident, *, staff: Resident, role: str = InviteeRole.STAKEHOLDER,
           now: datetime | None = None) -> MeetingInvitee:
    require(staff, Role.STAFF, meeting.community)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise MeetingError(_l("A closed or cancelled meeting cannot be changed."), code="not_scheduled")
    if resident.community_id != meeting.community_id:
        raise NotAllowed()
    if role not in {r.value for r in InviteeRole}:
        raise MeetingError(code="invalid_role")
    existing = db.session.scalar(
        select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.resident_id == resident.id)
    )
    if existing is not None:
        return existing
    invitee = MeetingInvitee(meeting_id=meeting.id, resident_id=resident.id, role=role, invited_by_id=staff.id)
    db.session.add(invitee)
    db.session.flush()
    events.meeting_invitee_added.send("checkin", meeting=meeting, invitee=invitee, actor=staff, now=now or utcnow())
    return invitee


@transaction
def uninvite(invitee: MeetingInvitee, *, staff: Resident) -> None:
    meeting = db.session.get(Meeting, invitee.meeting_id)
    require(staff, Role.STAFF, meeting.community)  # type: ignore[union-attr]
    if meeting.status != MeetingStatus.SCHEDULED:  # type: ignore[union-attr]
        raise MeetingError(_l("A closed or cancelled meeting cannot be changed."), code="not_scheduled")
    db.session.delete(invitee)


# ---------------------------------------------------------------------------------------------------------
# Reading


def _standing():
    return ~exists().where(CheckinUndo.checkin_id == Checkin.id)


def attendance_count(meeting: Checkable) -> int:
    """Standing check-ins at a meeting (or any checkable thing); check-outs are not counted."""
    return db.session.scalar(
        select(func.count(Checkin.id)).where(
            checkins_of(meeting), Checkin.is_success, Checkin.step == Step.IN.value, _standing())
    ) or 0


def attendance(meeting: Meeting, *, include_undone: bool = True) -> list[Checkin]:
    """Successful check-ins in order, each with its resident, actor and undo (if any) loaded in one query."""
    stmt = (
        select(Checkin).where(Checkin.meeting_id == meeting.id, Checkin.is_success)
        .options(joinedload(Checkin.resident), joinedload(Checkin.actor), joinedload(Checkin.undo))
        .order_by(Checkin.created_at, Checkin.id)
    )
    if not include_undone:
        stmt = stmt.where(_standing())
    return list(db.session.scalars(stmt).unique())


def checkin_log(meeting: Meeting, *, limit: int = 200, before_id: int | None = None) -> list[Checkin]:
    stmt = (
        select(Checkin).where(Checkin.meeting_id == meeting.id)
        .options(joinedload(Checkin.resident), joinedload(Checkin.actor))
        .order_by(Checkin.id.desc()).limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(Checkin.id < before_id)
    return list(db.session.scalars(stmt))


def invitees_of(meeting: Meeting) -> list[MeetingInvitee]:
    return list(db.session.scalars(
        select(MeetingInvitee).where(MeetingInvitee.meeting_id == meeting.id).order_by(MeetingInvitee.role, MeetingInvitee.id)
    ))


def invited_resident_ids(meeting: Meeting) -> list[int]:
    """Everyone the meeting invites: by name (council, stakeholders) and, with audience "unit", every active
    account living in its area; in one query, as ids (an area can be a whole community)."""
    named = select(MeetingInvitee.resident_id).where(MeetingInvitee.meeting_id == meeting.id)
    if meeting.audience == Audience.UNIT and meeting.unit is not None:
        area = (select(Resident.id).join(Unit, Unit.id == Resident.unit_id)
                .where(Unit.path.startswith(meeting.unit.path), Resident.is_active_account))
        named = named.union(area)
    return sorted(db.session.scalars(named))


def meetings_for_staff(community_ids: list[int], *, now: datetime, past_days: int = 60) -> list[Meeting]:
    if not community_ids:
        return []
    stmt = select(Meeting).where(
        Meeting.community_id.in_(community_ids), Meeting.ends_at >= now - timedelta(days=past_days),
    ).order_by(Meeting.starts_at)
    return list(db.session.scalars(stmt))


def upcoming_meetings(community_id: int, *, now: datetime, limit: int = 20) -> list[Meeting]:
    stmt = select(Meeting).where(
        Meeting.community_id == community_id, Meeting.status == MeetingStatus.SCHEDULED.value, Meeting.closes_at > now,
    ).order_by(Meeting.starts_at).limit(limit)
    return list(db.session.scalars(stmt))


def attended_by(resident: Resident, *, limit: int = 50) -> list[Checkin]:
    """The resident's standing check-ins, newest first, with their meetings."""
    meeting = aliased(Meeting)
    stmt = (
        select(Checkin).join(meeting, meeting.id == Checkin.meeting_id)
        .options(contains_eager(Checkin.meeting.of_type(meeting)))
        .where(Checkin.resident_id == resident.id, Checkin.is_success, _standing())
        .order_by(Checkin.created_at.desc()).limit(limit)
    )
    return list(db.session.scalars(stmt))


def attendance_counts(meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    rows = db.session.execute(
        select(Checkin.meeting_id, func.count(Checkin.id))
        .where(Checkin.meeting_id.in_(meeting_ids), Checkin.is_success, _standing())
        .group_by(Checkin.meeting_id)
    )
    return {meeting_id: count for meeting_id, count in rows}
