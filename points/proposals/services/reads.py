"""What the pages read: a case and its file, my suggestions, the screening queue, the public board; following."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ... import clock
from ...accounts.models import Resident
from ...checkin import services as checkin
from ...db import db, transaction, utcnow
from ...errors import NotFound
from ...volunteering import services as volunteering
from ..models import (
    PUBLIC_STATES, Follow, Objection, ProgressUpdate, Proposal, ProposalState, ProposalTransition, Rating,
)
from .deliberation import meetings_of
from .evaluation import proposers_of, rating_summary

PAGE_SIZE = 20


def get_proposal(proposal_id: int | None) -> Proposal | None:
    return db.session.get(Proposal, proposal_id) if proposal_id is not None else None


def get_objection(objection_id: int | None) -> Objection | None:
    return db.session.get(Objection, objection_id) if objection_id is not None else None


def proposals_of(resident: Resident) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.proposer_id == resident.id)
                                   .order_by(Proposal.submitted_at.desc(), Proposal.id.desc()).limit(100)))


def screening_queue(community_ids: list[int]) -> list[Proposal]:
    """Suggestions waiting to be screened, oldest first (so the overdue ones are at the top)."""
    return list(db.session.scalars(select(Proposal).where(
        Proposal.community_id.in_(community_ids), Proposal.state == ProposalState.SUBMITTED.value)
        .order_by(Proposal.submitted_at, Proposal.id)))


def screening_counts(community_ids: list[int], *, now: datetime | None = None) -> tuple[int, int]:
    """(waiting, overdue) suggestions of the communities, in one query."""
    if not community_ids:
        return 0, 0
    now = now or utcnow()
    waiting, overdue = db.session.execute(select(
        func.count(Proposal.id), func.count(Proposal.id).filter(Proposal.screening_due_at <= now),
    ).where(Proposal.community_id.in_(community_ids), Proposal.state == ProposalState.SUBMITTED.value)).one()
    return waiting or 0, overdue or 0


def cases_in(community_ids: list[int]) -> list[Proposal]:
    """Topics past screening and not archived, for staff."""
    open_states = [s.value for s in PUBLIC_STATES - {ProposalState.ARCHIVED}]
    return list(db.session.scalars(select(Proposal).where(
        Proposal.community_id.in_(community_ids), Proposal.state.in_(open_states))
        .order_by(Proposal.state_changed_at.desc(), Proposal.id.desc())))


def is_overdue(proposal: Proposal, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if proposal.status == ProposalState.SUBMITTED:
        return proposal.screening_due_at <= now
    if proposal.status == ProposalState.IMPLEMENTING and proposal.due_on is not None:
        return proposal.due_on < clock.local_date(now)
    return False


def board(*, community_id: int | None = None, state: str | None = None, page: int = 1) -> tuple[list[Proposal], bool]:
    """The public notice board: topics past screening, newest move first, a page at a time; (items, more?)."""
    states = [s.value for s in PUBLIC_STATES]
    if state in states:
        states = [state]
    stmt = select(Proposal).where(Proposal.state.in_(states))
    if community_id is not None:
        stmt = stmt.where(Proposal.community_id == community_id)
    page = max(1, min(page, 1000))
    rows = list(db.session.scalars(stmt.order_by(Proposal.state_changed_at.desc(), Proposal.id.desc())
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@dataclass
class CaseFile:
    """Everything one case gathered, for the case page and the printable file (一事一档)."""

    proposal: Proposal
    proposers: list[Resident]
    transitions: list[ProposalTransition]
    meetings: list
    attendance: dict[int, int]
    votes: dict[int, list]
    objections: list[Objection]
    updates: list[ProgressUpdate]
    ratings: list[Rating]
    rating_count: int
    rating_average: float | None
    stage_days: list[tuple[str, float]]  # (state label, days spent)
    activities: list = field(default_factory=list)  # (volunteer activity serving it, confirmed minutes)


def case_file(proposal: Proposal, *, now: datetime | None = None) -> CaseFile:
    now = now or utcnow()
    transitions = list(db.session.scalars(select(ProposalTransition).where(ProposalTransition.proposal_id == proposal.id)
                                          .order_by(ProposalTransition.id)))
    meetings = meetings_of(proposal)
    count, average = rating_summary(proposal)
    stage_days = []
    for row, following in zip(transitions, [*transitions[1:], None]):
        end = following.created_at if following else now
        stage_days.append((row.to_label, round((end - row.created_at).total_seconds() / 86400, 1)))
    return CaseFile(
        proposal=proposal, proposers=proposers_of(proposal), transitions=transitions, meetings=meetings,
        attendance=checkin.attendance_counts([m.id for m in meetings]),
        votes={m.id: checkin.votes_of(m) for m in meetings},
        objections=list(db.session.scalars(select(Objection).where(Objection.proposal_id == proposal.id).order_by(Objection.id))),
        updates=list(db.session.scalars(select(ProgressUpdate).where(ProgressUpdate.proposal_id == proposal.id).order_by(ProgressUpdate.id))),
        ratings=list(db.session.scalars(select(Rating).where(Rating.proposal_id == proposal.id).order_by(Rating.id))),
        rating_count=count, rating_average=average, stage_days=stage_days,
        activities=volunteering.activities_for_case(proposal.id),
    )


def is_following(proposal: Proposal, resident: Resident) -> bool:
    return db.session.scalar(select(Follow.id).where(Follow.proposal_id == proposal.id, Follow.resident_id == resident.id)) is not None


def has_rated(proposal: Proposal, resident: Resident) -> bool:
    return db.session.scalar(select(Rating.id).where(Rating.proposal_id == proposal.id, Rating.resident_id == resident.id)) is not None


@transaction
def follow_proposal(proposal: Proposal, *, resident: Resident, follow: bool = True) -> bool:
    """Follow (or stop following) a case a resident may see: a public one of their community, or their own."""
    if proposal.community_id != resident.community_id or not (proposal.is_public or proposal.proposer_id == resident.id):
        raise NotFound()
    row = db.session.scalar(select(Follow).where(Follow.proposal_id == proposal.id, Follow.resident_id == resident.id))
    if follow and row is None:
        db.session.add(Follow(proposal_id=proposal.id, resident_id=resident.id))
    elif not follow and row is not None:
        db.session.delete(row)
    db.session.flush()
    return follow


def counts_by_state(community_ids: list[int]) -> dict[str, int]:
    return dict(db.session.execute(select(Proposal.state, func.count(Proposal.id))
                                   .where(Proposal.community_id.in_(community_ids)).group_by(Proposal.state)).all())
