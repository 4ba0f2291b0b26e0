"""评 · 备: residents of the affected unit rate, the proposer confirms or disputes (销号), the outcome award,
the archive and the job that settles what is due."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import SYSTEM, Actor, require
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ...ledger import services as ledger
from ..earning import PROPOSAL_DONE_RATED, RATING
from ..models import OUTCOME_MIN_AVERAGE, OUTCOME_MIN_RATINGS, RATING_STATES, CoProposer, Proposal, Rating
from .errors import AlreadyDone, InvalidInput, NotInUnit, PeriodNotOver, PeriodOver, WrongStage, text_field
from .machinery import S, lock, move, resident_or_none, wrong_stage


def may_rate(resident: Resident | None, proposal: Proposal) -> bool:
    """Only residents of the affected unit rate a case."""
    return resident is not None and getattr(resident, "id", None) is not None and proposal.unit.contains(resident.unit)


@transaction
def rate_proposal(proposal: Proposal, *, resident: Resident, stars: int, comment: str = "",
                  now: datetime | None = None) -> Rating:
    """A resident of the affected unit rates the done case 1–5, once, and earns `rating`."""
    now = now or utcnow()
    proposal = lock(proposal)
    if not may_rate(resident, proposal):
        raise NotInUnit()
    if proposal.status not in RATING_STATES:
        raise WrongStage(_l("The case can be rated once it is marked done."), code="not_done")
    if now >= proposal.rating_until:  # type: ignore[operator]
        raise PeriodOver(_l("The rating period has ended."), code="rating_over")
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise InvalidInput(_l("Choose 1 to 5 stars."), code="invalid_stars", field="stars")
    comment = text_field(comment, field="comment", max_length=500)
    if db.session.scalar(select(Rating.id).where(Rating.proposal_id == proposal.id, Rating.resident_id == resident.id)):
        raise AlreadyDone(_l("You have already rated this case."), code="already_rated")
    rating = Rating(proposal_id=proposal.id, resident_id=resident.id, stars=stars, comment=comment, created_at=now)
    db.session.add(rating)
    db.session.flush()
    ledger.award(resident, RATING, key=f"proposal:{proposal.id}:rating:{resident.id}", cause=("proposal", proposal.id),
                 memo=proposal.title, actor=resident, now=now)
    events.proposal_rated.send("proposals", proposal=proposal, rating=rating, actor=resident, now=now)
    return rating


@transaction
def confirm_completion(proposal: Proposal, *, resident: Resident, note: str = "", now: datetime | None = None) -> Proposal:
    """销号: the proposer confirms the case is done."""
    now = now or utcnow()
    proposal = lock(proposal)
    _require_proposer(resident, proposal)
    move(proposal, S.CONFIRMED, actor=resident, note=text_field(note, field="note", max_length=500), now=now)
    proposal.confirmed_at = now
    return proposal


@transaction
def dispute_completion(proposal: Proposal, *, resident: Resident, reason: str, now: datetime | None = None) -> Proposal:
    """The proposer says it is not done: implementation reopens, and the rating period with it."""
    now = now or utcnow()
    proposal = lock(proposal)
    _require_proposer(resident, proposal)
    reason = text_field(reason, field="reason", max_length=500, required=True)
    move(proposal, S.IMPLEMENTING, actor=resident, note=reason, now=now)
    proposal.done_at = proposal.rating_until = None
    return proposal


def _require_proposer(resident: Resident, proposal: Proposal) -> None:
    if getattr(resident, "id", None) != proposal.proposer_id:
        raise NotAllowed(_l("Only the proposer can confirm or dispute the case."), code="not_proposer")


def rating_summary(proposal: Proposal) -> tuple[int, float | None]:
    count, average = db.session.execute(
        select(func.count(Rating.id), func.avg(Rating.stars)).where(Rating.proposal_id == proposal.id)).one()
    return count or 0, float(average) if average is not None else None


def proposers_of(proposal: Proposal) -> list[Resident]:
    co = list(db.session.scalars(select(Resident).join(CoProposer, CoProposer.resident_id == Resident.id)
                                 .where(CoProposer.proposal_id == proposal.id).order_by(CoProposer.id)))
    return [proposal.proposer, *co]


@transaction
def award_outcome(proposal: Proposal, *, actor: Actor, now: datetime | None = None) -> list:
    """After the rating period: an average of at least 4 from at least 3 ratings earns the proposer(s)
    `proposal_done_rated`, once each (the key is the case and the person). Returns the awards booked or found."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(actor, Role.STAFF, proposal.community)
    if proposal.rating_until is None or proposal.status not in RATING_STATES | {S.ARCHIVED}:
        raise WrongStage(_l("The case has not been rated."), code="not_done")
    if now < proposal.rating_until:
        raise PeriodNotOver(_l("The rating period has not ended yet."), code="rating_running")
    count, average = rating_summary(proposal)
    if count < OUTCOME_MIN_RATINGS or average is None or average < OUTCOME_MIN_AVERAGE:
        return []
    return [ledger.award(person, PROPOSAL_DONE_RATED, key=f"proposal:{proposal.id}:outcome:{person.id}",
                         cause=("proposal", proposal.id), memo=proposal.title, actor=resident_or_none(actor), now=now)
            for person in proposers_of(proposal)]


# ---------------------------------------------------------------------------------------------------------
# 备: archive


@transaction
def archive_proposal(proposal: Proposal, *, actor: Actor, note: str = "", now: datetime | None = None) -> Proposal:
    """Close the file once the rating period is over, awarding the outcome if it earned one."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(actor, Role.STAFF, proposal.community)
    if proposal.status not in RATING_STATES:
        raise wrong_stage(proposal)
    if now < proposal.rating_until:  # type: ignore[operator]
        raise PeriodNotOver(_l("The rating period has not ended yet."), code="rating_running")
    award_outcome(proposal, actor=actor, now=now)
    move(proposal, S.ARCHIVED, actor=actor, note=text_field(note, field="note", max_length=500), now=now)
    proposal.archived_at = now
    return proposal


def settle_due(*, actor: Actor = SYSTEM, now: datetime | None = None) -> int:
    """The job: archive every done or confirmed case whose rating period is over; each in its own transaction."""
    now = now or utcnow()
    due = list(db.session.scalars(select(Proposal.id).where(
        Proposal.state.in_([s.value for s in RATING_STATES]), Proposal.rating_until <= now).order_by(Proposal.id)))
    done = 0
    for proposal_id in due:
        try:
            archive_proposal(db.session.get(Proposal, proposal_id), actor=actor, now=now)
        except WrongStage:
            continue
        done += 1
    return done
