"""Votes of a meeting (与会决事): only residents checked in may vote on their phones; or staff record a show of
hands. Voting earns no points (§4: points reward outcomes, not clicks)."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ..models import Ballot, Choice, Meeting, MeetingStatus, Vote, VoteMethod
from .errors import VoteError
from .lookup import lock, standing_checkin

MAX_QUESTION = 300


def _open_meeting(meeting: Meeting, staff: Resident) -> None:
    require(staff, Role.STAFF, meeting.community)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise VoteError(_l("The meeting is closed."), code="meeting_closed")


def _question(text: str) -> str:
    text = (text or "").strip()
    if not text or len(text) > MAX_QUESTION:
        raise VoteError(_l("Please enter the question, up to %(n)d characters.", n=MAX_QUESTION), code="invalid_question", field="question")
    return text


@transaction
def open_vote(meeting: Meeting, *, staff: Resident, question: str, now: datetime | None = None) -> Vote:
    """Put a question to the checked-in residents' phones."""
    _open_meeting(meeting, staff)
    vote = Vote(meeting_id=meeting.id, question=_question(question), method=VoteMethod.PHONES.value,
                opened_at=now or utcnow(), created_by_id=staff.id)
    db.session.add(vote)
    db.session.flush()
    return vote


@transaction
def record_show_of_hands(meeting: Meeting, *, staff: Resident, question: str, yes: int | None, no: int | None,
                         abstain: int | None, now: datetime | None = None) -> Vote:
    """Staff counted the hands: the result is recorded as it was counted, closed at once."""
    _open_meeting(meeting, staff)
    question = _question(question)
    counts = {"yes": yes, "no": no, "abstain": abstain}
    for name, value in counts.items():
        if value is None or value < 0:
            raise VoteError(_l("Please enter a count of 0 or more."), code="invalid_count", field=name)
    now = now or utcnow()
    vote = Vote(meeting_id=meeting.id, question=question, method=VoteMethod.HANDS.value, yes=yes, no=no,
                abstain=abstain, is_open=False, opened_at=now, closed_at=now, created_by_id=staff.id)
    db.session.add(vote)
    db.session.flush()
    events.vote_closed.send("checkin", vote=vote, meeting=meeting, actor=staff, now=now)
    return vote


@transaction
def cast_ballot(vote: Vote, resident: Resident, choice: str, *, now: datetime | None = None) -> Ballot:
    """One ballot per resident, and only from a resident checked in to the meeting. The meeting's row is locked
    first, as closing the vote or the meeting locks it, so a ballot is either counted or refused."""
    meeting = db.session.get(Meeting, vote.meeting_id)
    lock(meeting)  # type: ignore[arg-type]
    db.session.refresh(vote)
    if not vote.is_open or vote.method != VoteMethod.PHONES:
        raise VoteError(_l("This vote is closed."), code="vote_closed")
    if choice not in {c.value for c in Choice}:
        raise VoteError(_l("Choose yes, no or abstain."), code="invalid_choice")
    if standing_checkin(meeting, resident) is None:  # type: ignore[arg-type]
        raise VoteError(_l("Only residents checked in to this meeting may vote."), code="not_checked_in")
    ballot = Ballot(vote_id=vote.id, resident_id=resident.id, choice=choice, cast_at=now or utcnow())
    try:
        with db.session.begin_nested():
            db.session.add(ballot)
    except IntegrityError:
        raise VoteError(_l("You have already voted."), code="already_voted") from None
    return ballot


@transaction
def close_vote(vote: Vote, *, staff: Resident, now: datetime | None = None) -> Vote:
    meeting = db.session.get(Meeting, vote.meeting_id)
    require(staff, Role.STAFF, meeting.community)  # type: ignore[union-attr]
    lock(meeting)  # type: ignore[arg-type]
    db.session.refresh(vote)
    if not vote.is_open:
        raise VoteError(_l("This vote is closed."), code="vote_closed")
    tally(vote, now=now or utcnow())
    events.vote_closed.send("checkin", vote=vote, meeting=meeting, actor=staff, now=vote.closed_at)
    return vote


def tally(vote: Vote, *, now: datetime) -> Vote:
    """Close a phone vote with the counts of its ballots (inside the caller's transaction)."""
    counts = dict(db.session.execute(
        select(Ballot.choice, func.count(Ballot.id)).where(Ballot.vote_id == vote.id).group_by(Ballot.choice)
    ).all())
    vote.yes, vote.no, vote.abstain = (counts.get(c.value, 0) for c in (Choice.YES, Choice.NO, Choice.ABSTAIN))
    vote.is_open, vote.closed_at = False, now
    return vote


def votes_of(meeting: Meeting) -> list[Vote]:
    return list(db.session.scalars(select(Vote).where(Vote.meeting_id == meeting.id).order_by(Vote.id)))


def ballots_of(resident: Resident, votes: list[Vote]) -> dict[int, str]:
    if not votes:
        return {}
    rows = db.session.execute(
        select(Ballot.vote_id, Ballot.choice).where(Ballot.resident_id == resident.id, Ballot.vote_id.in_([v.id for v in votes]))
    )
    return {vote_id: choice for vote_id, choice in rows}


def live_counts(vote: Vote) -> dict[str, int]:
    """Ballots so far of an open vote (staff watch them come in)."""
    return dict(db.session.execute(
        select(Ballot.choice, func.count(Ballot.id)).where(Ballot.vote_id == vote.id).group_by(Ballot.choice)
    ).all())
