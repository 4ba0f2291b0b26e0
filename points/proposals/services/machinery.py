"""The machinery every move of a case shares: the row lock, the one way a state changes (checked against
`TRANSITIONS`, recorded as a `ProposalTransition`, announced), photos stored with the case."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ... import events, photos
from ...accounts.models import Resident
from ...accounts.permissions import Actor
from ...db import db
from ..models import PROPOSAL_PHOTOS, Proposal, ProposalState, ProposalTransition
from .errors import WrongStage


S = ProposalState
MAX_TITLE = 80
MAX_DESCRIPTION = 2000

# The event each move announces: by target state, and by (from, to) where one target has two meanings.
MOVE_EVENTS = {
    S.SUBMITTED: events.proposal_submitted,
    S.ACCEPTED: events.proposal_accepted,
    S.REJECTED: events.proposal_rejected,
    S.MERGED: events.proposal_merged,
    S.DELIBERATING: events.proposal_scheduled,
    S.DECIDED: events.proposal_decided,
    S.PUBLICISED: events.proposal_published,
    S.IMPLEMENTING: events.proposal_implementing,
    S.DONE: events.proposal_done,
    S.CONFIRMED: events.proposal_confirmed,
    S.ARCHIVED: events.proposal_archived,
}
DISPUTE = (S.DONE, S.IMPLEMENTING)

def lock(proposal: Proposal) -> Proposal:
    """Re-read the case under a row lock: every step decides on its current state, not on a stale copy."""
    locked = db.session.scalar(select(Proposal).where(Proposal.id == proposal.id).with_for_update()
                               .execution_options(populate_existing=True))
    assert locked is not None
    return locked


def wrong_stage(proposal: Proposal) -> WrongStage:
    return WrongStage(code=f"already_{proposal.state}", state=proposal.state)


def move(proposal: Proposal, target: ProposalState, *, actor: Actor, note: str, now: datetime) -> ProposalTransition:
    """The one way a case changes state: checked against the table, recorded, announced."""
    current = proposal.status
    if not current.can_become(target):
        raise wrong_stage(proposal)
    proposal.state, proposal.state_changed_at = target.value, now
    return record(proposal, current, target, actor=actor, note=note, now=now)


def record(proposal: Proposal, current: ProposalState | None, target: ProposalState, *, actor: Actor, note: str,
            now: datetime) -> ProposalTransition:
    row = ProposalTransition(proposal_id=proposal.id, from_state=current.value if current else None,
                             to_state=target.value, actor_id=getattr(actor, "id", None), note=note[:500], created_at=now)
    db.session.add(row)
    db.session.flush()
    signal = events.proposal_disputed if (current, target) == DISPUTE else MOVE_EVENTS[target]
    signal.send("proposals", proposal=proposal, transition=row, actor=actor, now=now)
    return row


def store_photos(files: list[bytes]) -> list[str]:
    """Check, re-encode and store each photo; a refusal names the form's `photos` field."""
    try:
        return [photos.store(data, PROPOSAL_PHOTOS) for data in files]
    except photos.InvalidPhoto as error:
        error.details["field"] = "photos"
        raise


def resident_or_none(actor: Actor) -> Resident | None:
    return actor if isinstance(actor, Resident) else None
