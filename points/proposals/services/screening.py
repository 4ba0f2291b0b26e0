"""定: staff or council members accept, reject or merge a suggestion."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...accounts.models import Resident, Role
from ...accounts.permissions import Actor, communities_for, may
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ...ledger import services as ledger
from ...units.models import Unit
from ..earning import SUGGESTION_ACCEPTED
from ..models import OPEN_TOPIC_STATES, CoProposer, NegativeListItem, Proposal
from .errors import InvalidInput, WrongStage, text_field
from .machinery import S, lock, move, resident_or_none


def may_screen(actor: Actor, community: Unit) -> bool:
    """Staff and council members of the community screen suggestions."""
    return may(actor, Role.STAFF, community) or may(actor, Role.COUNCIL, community)


def screening_communities(user: Resident) -> list[Unit]:
    """The communities a user screens in: as staff (or admin above) or as a council member."""
    found = {c.id: c for c in [*communities_for(user, Role.STAFF), *communities_for(user, Role.COUNCIL)]}
    return sorted(found.values(), key=lambda c: (c.name, c.id))


def _require_screener(actor: Actor, proposal: Proposal) -> None:
    if not may_screen(actor, proposal.community):
        raise NotAllowed(code="not_allowed")


@transaction
def accept_proposal(proposal: Proposal, *, actor: Actor, note: str = "", now: datetime | None = None) -> Proposal:
    """Take the suggestion up as a topic; its proposer earns `suggestion_accepted`."""
    now = now or utcnow()
    proposal = lock(proposal)
    _require_screener(actor, proposal)
    note = text_field(note, field="note", max_length=500)
    move(proposal, S.ACCEPTED, actor=actor, note=note, now=now)
    proposal.screened_at, proposal.screened_by_id = now, actor.id
    _award_accepted(proposal, proposal.proposer, actor=actor, now=now)
    return proposal


@transaction
def reject_proposal(proposal: Proposal, *, actor: Actor, reason: str, negative_item_id: int | None = None,
                    now: datetime | None = None) -> Proposal:
    """Not taken up, always with a reason and, where one applies, the negative-list item."""
    now = now or utcnow()
    proposal = lock(proposal)
    _require_screener(actor, proposal)
    reason = text_field(reason, field="reason", max_length=500, required=True)
    item = None
    if negative_item_id is not None:
        item = db.session.get(NegativeListItem, negative_item_id)
        if item is None or item.community_id != proposal.community_id:
            raise InvalidInput(_l("Choose one of the listed items."), code="invalid_negative_item", field="negative_item")
    move(proposal, S.REJECTED, actor=actor, note=reason, now=now)
    proposal.screened_at, proposal.screened_by_id = now, actor.id
    proposal.reject_reason, proposal.negative_item_id = reason, item.id if item else None
    return proposal


@transaction
def merge_proposal(proposal: Proposal, *, into: Proposal, actor: Actor, note: str = "",
                   now: datetime | None = None) -> Proposal:
    """Fold a suggestion into an open topic: its proposer becomes a co-proposer there and earns
    `suggestion_accepted` once for that topic, however many of their suggestions are merged into it."""
    now = now or utcnow()
    proposal = lock(proposal)
    _require_screener(actor, proposal)
    target = lock(into)
    if target.id == proposal.id or target.community_id != proposal.community_id:
        raise InvalidInput(_l("Choose another topic of this community."), code="invalid_target", field="into")
    if target.status not in OPEN_TOPIC_STATES:
        raise WrongStage(_l("Suggestions can only be merged into a topic not yet decided."), code="target_closed")
    move(proposal, S.MERGED, actor=actor, note=text_field(note, field="note", max_length=500), now=now)
    proposal.screened_at, proposal.screened_by_id, proposal.merged_into_id = now, actor.id, target.id
    resident = proposal.proposer
    if resident.id != target.proposer_id and db.session.scalar(select(CoProposer.id).where(
            CoProposer.proposal_id == target.id, CoProposer.resident_id == resident.id)) is None:
        db.session.add(CoProposer(proposal_id=target.id, resident_id=resident.id, source_id=proposal.id, created_at=now))
        db.session.flush()
    _award_accepted(target, resident, actor=actor, now=now)
    return proposal


def _award_accepted(topic: Proposal, resident: Resident, *, actor: Actor, now: datetime) -> None:
    ledger.award(resident, SUGGESTION_ACCEPTED, key=f"proposal:{topic.id}:accepted:{resident.id}",
                 cause=("proposal", topic.id), memo=topic.title, actor=resident_or_none(actor), now=now)
