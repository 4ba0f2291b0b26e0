"""议 · 决 · 公: meetings on a topic, the decision from their vote, the notice with its objections."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import Actor, require
from ...checkin import services as checkin
from ...checkin.models import Audience, InviteeRole, Meeting, Vote
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ..models import Objection, Proposal
from .errors import AlreadyDone, InvalidInput, PeriodNotOver, PeriodOver, WrongStage, text_field
from .settings import add_working_days, settings_for
from .machinery import S, lock, move, wrong_stage


class Invite(enum.StrEnum):
    """Whom a meeting on a topic invites."""

    UNIT = "unit"  # the residents of the affected unit (building, compound or community), and the council
    COUNCIL = "council"  # the council and the stakeholders staff name (1+8+N); nobody else may attend


@transaction
def schedule_deliberation(proposal: Proposal, *, staff: Resident, venue, title: str, starts_at: datetime | None,
                          ends_at: datetime | None, invite: str = Invite.UNIT, stakeholders: list[Resident] = (),
                          agenda: str = "", now: datetime | None = None) -> Meeting:
    """Schedule a meeting on the topic through the meeting service; the first one starts the deliberation. It
    invites the affected unit's residents, or the council and the named stakeholders; each is told in their inbox
    once it is committed (`receivers`)."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    if proposal.status not in (S.ACCEPTED, S.DELIBERATING):
        raise wrong_stage(proposal)
    if invite not in {i.value for i in Invite}:
        raise InvalidInput(_l("Choose whom to invite."), code="invalid_invite", field="invite")
    if invite == Invite.COUNCIL and any(r.community_id != proposal.community_id for r in stakeholders):
        raise InvalidInput(_l("Stakeholders must be residents of this community."), code="invalid_stakeholder",
                           field="stakeholders")
    by_unit = invite == Invite.UNIT
    meeting = checkin.schedule_meeting(staff=staff, venue=venue, title=title or proposal.title, starts_at=starts_at,
                                       ends_at=ends_at, agenda=agenda or proposal.description,
                                       audience=Audience.UNIT if by_unit else Audience.INVITED,
                                       unit=proposal.unit if by_unit else None, proposal_id=proposal.id, now=now)
    for resident in [] if by_unit else stakeholders:
        checkin.invite(meeting, resident, staff=staff, role=InviteeRole.STAKEHOLDER, now=now)
    if proposal.status == S.ACCEPTED:
        move(proposal, S.DELIBERATING, actor=staff, note=meeting.title, now=now)
    return meeting


def meetings_of(proposal: Proposal) -> list[Meeting]:
    return list(db.session.scalars(select(Meeting).where(Meeting.proposal_id == proposal.id).order_by(Meeting.starts_at)))


def votes_for(proposal: Proposal) -> list[Vote]:
    """The closed votes of the topic's meetings: what a decision can be recorded from."""
    return list(db.session.scalars(
        select(Vote).join(Meeting, Meeting.id == Vote.meeting_id)
        .where(Meeting.proposal_id == proposal.id, Vote.is_open.is_(False)).order_by(Vote.id)
    ))


@transaction
def record_decision(proposal: Proposal, *, staff: Resident, vote: Vote, text: str = "",
                    now: datetime | None = None) -> Proposal:
    """The decision from a closed vote of one of the topic's meetings: counts, the community's threshold (more
    than `threshold_percent` of the votes cast in favour), passed or not, and the resolution with the minutes."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    meeting = db.session.get(Meeting, vote.meeting_id)
    if meeting is None or meeting.proposal_id != proposal.id:
        raise InvalidInput(_l("Choose a vote of this topic's meetings."), code="invalid_vote", field="vote")
    if vote.is_open:
        raise WrongStage(_l("Close the vote first."), code="vote_open")
    text = text_field(text, field="text", max_length=5000)
    threshold = settings_for(proposal.community_id).threshold_percent
    passed = vote.cast > 0 and vote.yes * 100 > threshold * vote.cast
    move(proposal, S.DECIDED, actor=staff, note=f"{vote.yes}/{vote.no}/{vote.abstain}", now=now)
    proposal.votes_for, proposal.votes_against, proposal.votes_abstain = vote.yes, vote.no, vote.abstain
    proposal.threshold_percent, proposal.is_passed = threshold, passed
    proposal.decision_text = text or meeting.minutes
    proposal.decided_at = now
    return proposal


@transaction
def publish_decision(proposal: Proposal, *, staff: Resident, now: datetime | None = None) -> Proposal:
    """Publish the decision (公示): residents may object for the community's objection period."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    move(proposal, S.PUBLICISED, actor=staff, note="", now=now)
    proposal.published_at = now
    proposal.objection_until = add_working_days(now, settings_for(proposal.community_id).objection_days,
                                                community_id=proposal.community_id)
    return proposal


@transaction
def raise_objection(proposal: Proposal, *, resident: Resident, reason: str, now: datetime | None = None) -> Objection:
    """Any resident of the community objects to a published decision while the notice runs."""
    now = now or utcnow()
    proposal = lock(proposal)
    if resident.community_id != proposal.community_id:
        raise NotAllowed(code="other_community")
    if proposal.status != S.PUBLICISED:
        raise wrong_stage(proposal)
    if proposal.objection_until is not None and now >= proposal.objection_until:
        raise PeriodOver(_l("The notice period has ended."), code="notice_over")
    objection = Objection(proposal_id=proposal.id, resident_id=resident.id,
                          reason=text_field(reason, field="reason", max_length=1000, required=True), created_at=now)
    db.session.add(objection)
    db.session.flush()
    events.objection_raised.send("proposals", objection=objection, proposal=proposal, actor=resident, now=now)
    return objection


@transaction
def answer_objection(objection: Objection, *, staff: Resident, answer: str, now: datetime | None = None) -> Objection:
    now = now or utcnow()
    proposal = lock(db.session.get(Proposal, objection.proposal_id))  # type: ignore[arg-type]
    require(staff, Role.STAFF, proposal.community)
    answer = text_field(answer, field="answer", max_length=1000, required=True)
    objection = db.session.scalar(select(Objection).where(Objection.id == objection.id).with_for_update()
                                  .execution_options(populate_existing=True))
    if objection.answered_at is not None:
        raise AlreadyDone(_l("This objection has already been answered."), code="already_answered")
    objection.answer, objection.answered_by_id, objection.answered_at = answer, staff.id, now
    db.session.flush()
    events.objection_answered.send("proposals", objection=objection, proposal=proposal, actor=staff, now=now)
    return objection


def unanswered_objections(proposal: Proposal) -> int:
    return db.session.scalar(select(func.count(Objection.id)).where(
        Objection.proposal_id == proposal.id, Objection.answered_at.is_(None))) or 0


@transaction
def close_notice(proposal: Proposal, *, actor: Actor, now: datetime | None = None) -> Proposal:
    """The notice period is over and every objection answered: a passed decision goes to implementation, one
    not passed to the archive."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(actor, Role.STAFF, proposal.community)
    if proposal.status != S.PUBLICISED:
        raise wrong_stage(proposal)
    if now < proposal.objection_until:  # type: ignore[operator]
        raise PeriodNotOver(_l("The notice period has not ended yet."), code="notice_running")
    if unanswered_objections(proposal):
        raise WrongStage(_l("Every objection must be answered first."), code="objections_unanswered")
    if proposal.is_passed:
        move(proposal, S.IMPLEMENTING, actor=actor, note="", now=now)
    else:
        move(proposal, S.ARCHIVED, actor=actor, note=str(_l("Not passed")), now=now)
        proposal.archived_at = now
    return proposal
