"""Loading what the check-in pages and the API ask for by id or token, so that views never touch the session."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ... import clock
from ...db import db
from ...units.models import Level, Unit
from ..models import ApiToken, Checkin, CheckinTicket, Meeting, MeetingInvitee, MeetingStatus, Venue, Vote


def get_meeting(meeting_id: int | None) -> Meeting | None:
    return db.session.get(Meeting, meeting_id) if meeting_id else None


def get_venue(venue_id: int | None) -> Venue | None:
    return db.session.get(Venue, venue_id) if venue_id else None


def get_checkin(checkin_id: int | None) -> Checkin | None:
    return db.session.get(Checkin, checkin_id) if checkin_id else None


def get_vote(vote_id: int | None) -> Vote | None:
    return db.session.get(Vote, vote_id) if vote_id else None


def get_invitee(invitee_id: int | None) -> MeetingInvitee | None:
    return db.session.get(MeetingInvitee, invitee_id) if invitee_id else None


def get_api_token(token_id: int | None) -> ApiToken | None:
    return db.session.get(ApiToken, token_id) if token_id else None


def ticket_by_token(token: str) -> CheckinTicket | None:
    return db.session.scalar(select(CheckinTicket).where(CheckinTicket.token == token)) if token else None


def meeting_by_kiosk_token(token: str) -> Meeting | None:
    return db.session.scalar(select(Meeting).where(Meeting.kiosk_token == token)) if token else None


def meetings_open_today(community_ids: list[int], *, now: datetime) -> list[Meeting]:
    """Meetings a scanner device can check residents in to now: today's, not yet closed, in these communities."""
    if not community_ids:
        return []
    _, day_end = clock.day(now)
    return list(db.session.scalars(
        select(Meeting).where(
            Meeting.community_id.in_(community_ids), Meeting.status == MeetingStatus.SCHEDULED.value,
            Meeting.closes_at > now, Meeting.opens_at < day_end,
        ).order_by(Meeting.starts_at)
    ))


def venue_places(community: Unit) -> list[Unit]:
    """Where a venue can be: the community and its compounds (not single buildings), in tree order."""
    return list(db.session.scalars(
        select(Unit).where(Unit.path.startswith(community.path), Unit.level != Level.BUILDING.value).order_by(Unit.path)
    ))


def unit_names(units: list[Unit]) -> dict[int, str]:
    """Full names ("第一社区 红叶小区 1号楼") of many units in one query."""
    ids = {i for u in units for i in u.ancestor_ids}
    rows = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    return {
        u.id: " ".join(rows[i].name for i in u.ancestor_ids if i in rows and Level(rows[i].level).depth > Level.COMMUNITY.depth)
        for u in units
    }
