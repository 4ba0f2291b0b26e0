"""办 · 督: who carries a case out and by when (党员领办), progress updates, marking it done."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from ... import clock, events
from ...accounts.models import Resident, Role
from ...accounts.permissions import Actor, may, require
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ..models import MAX_PHOTOS, OwnerKind, ProgressUpdate, Proposal
from .errors import AlreadyDone, InvalidInput, text_field
from .settings import settings_for
from .machinery import S, lock, move, store_photos, wrong_stage


@transaction
def assign_owner(proposal: Proposal, *, staff: Resident, owner_kind: str, owner_name: str = "",
                 owner: Resident | None = None, due_on: date | None = None, now: datetime | None = None) -> Proposal:
    """Name who carries the case out (a worker, a partner, a volunteer team, a party member; free text allowed)
    and by when."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    if proposal.status != S.IMPLEMENTING:
        raise wrong_stage(proposal)
    if owner_kind not in {k.value for k in OwnerKind}:
        raise InvalidInput(_l("Choose who carries it out."), code="invalid_owner_kind", field="owner_kind")
    owner_name = text_field(owner_name, field="owner_name", max_length=80)
    if owner is not None and owner.community_id != proposal.community_id:
        raise InvalidInput(_l("Choose someone of this community."), code="invalid_owner", field="owner")
    if owner is None and not owner_name:
        raise InvalidInput(_l("Name who carries it out."), code="owner_name_required", field="owner_name")
    if due_on is not None and due_on < clock.local_date(now):
        raise InvalidInput(_l("The deadline cannot be in the past."), code="due_in_past", field="due_on")
    proposal.owner_kind, proposal.owner_id = owner_kind, owner.id if owner else None
    proposal.owner_name = owner_name or (owner.name if owner else "")
    proposal.due_on = due_on
    db.session.flush()
    events.proposal_owner_set.send("proposals", proposal=proposal, actor=staff, now=now)
    return proposal


@transaction
def claim_task(proposal: Proposal, *, resident: Resident, now: datetime | None = None) -> Proposal:
    """党员领办: a party member of the community claims a case being carried out that has no owner yet."""
    now = now or utcnow()
    proposal = lock(proposal)
    if resident.community_id != proposal.community_id:
        raise NotAllowed(code="other_community")
    if not resident.is_party_member:
        raise NotAllowed(_l("Only party members can claim a task."), code="not_party_member")
    if proposal.status != S.IMPLEMENTING:
        raise wrong_stage(proposal)
    if proposal.owner_kind is not None:
        raise AlreadyDone(_l("This case already has an owner."), code="has_owner")
    proposal.owner_kind, proposal.owner_id, proposal.owner_name = OwnerKind.PARTY_MEMBER.value, resident.id, resident.name
    db.session.flush()
    events.proposal_owner_set.send("proposals", proposal=proposal, actor=resident, now=now)
    return proposal


def _may_update(actor: Actor, proposal: Proposal) -> bool:
    return may(actor, Role.STAFF, proposal.community) or (getattr(actor, "id", None) is not None
                                                         and actor.id == proposal.owner_id)


@transaction
def post_update(proposal: Proposal, *, author: Resident, text: str, photo_files: list[bytes] | None = None,
                now: datetime | None = None) -> ProgressUpdate:
    """A progress update with photos, by staff or the case's owner, while it is carried out."""
    now = now or utcnow()
    proposal = lock(proposal)
    if not _may_update(author, proposal):
        raise NotAllowed(code="not_allowed")
    if proposal.status != S.IMPLEMENTING:
        raise wrong_stage(proposal)
    text = text_field(text, field="text", max_length=1000, required=True)
    files = [f for f in (photo_files or []) if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_l("Up to %(n)d photos.", n=MAX_PHOTOS), code="too_many_photos", field="photos")
    update = ProgressUpdate(proposal_id=proposal.id, author_id=author.id, text=text, created_at=now,
                            photos=" ".join(store_photos(files)))
    db.session.add(update)
    db.session.flush()
    events.proposal_progress.send("proposals", proposal=proposal, update=update, actor=author, now=now)
    return update


@transaction
def mark_done(proposal: Proposal, *, staff: Resident, note: str = "", now: datetime | None = None) -> Proposal:
    """Done: the affected unit's residents may rate it for the rating period."""
    now = now or utcnow()
    proposal = lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    move(proposal, S.DONE, actor=staff, note=text_field(note, field="note", max_length=500), now=now)
    proposal.done_at = now
    proposal.rating_until = now + timedelta(days=settings_for(proposal.community_id).rating_days)
    return proposal
