"""After-commit receivers: what the workflow, the bank and volunteering tell residents in their inbox (消息)."""
from __future__ import annotations

from sqlalchemy import select

from .. import events
from ..accounts.models import Resident
from ..bank.models import Redemption
from ..db import db
from .models import Follow, Notification, Proposal, ProposalState
from ..units.models import Level
from ..checkin import services as checkin
from .services.notifications import notify, notify_many
from .services.settings import ensure_lists

TELL_PROPOSER = {ProposalState.ACCEPTED: "proposal_accepted", ProposalState.REJECTED: "proposal_rejected",
                 ProposalState.MERGED: "proposal_merged", ProposalState.PUBLICISED: "proposal_published",
                 ProposalState.DONE: "proposal_done"}


@events.in_transaction(events.unit_created)
def _seed_lists(sender, *, unit, now) -> None:
    """A new community starts with the seeds' scope categories and 五不议, written with it (pages only read them)."""
    if unit.level == Level.COMMUNITY.value:
        ensure_lists(unit.id)


def _case_link(proposal: Proposal) -> str:
    return f"proposal:{proposal.id}"


def _moved(sender, *, proposal: Proposal, transition, actor, now) -> None:
    proposal = db.session.get(Proposal, proposal.id)
    target = ProposalState(transition.to_state)
    told: set[int] = set()
    kind = TELL_PROPOSER.get(target)
    if kind is not None:
        notify(proposal.proposer, kind, subject=proposal.title, target=_case_link(proposal), now=now)
        told.add(proposal.proposer_id)
    followers = db.session.scalars(select(Resident).join(Follow, Follow.resident_id == Resident.id)
                                   .where(Follow.proposal_id == proposal.id))
    for follower in followers:
        if follower.id not in told and follower.id != getattr(actor, "id", None):
            notify(follower, "proposal_moved", subject=proposal.title, target=_case_link(proposal), now=now)


for _signal in (events.proposal_accepted, events.proposal_rejected, events.proposal_merged, events.proposal_scheduled,
                events.proposal_decided, events.proposal_published, events.proposal_implementing, events.proposal_done,
                events.proposal_disputed, events.proposal_confirmed, events.proposal_archived):
    events.after_commit(_signal)(_moved)


@events.after_commit(events.meeting_scheduled)
def _invited(sender, *, meeting, actor, now) -> None:
    """Everyone a meeting on a topic invites hears of it: the affected unit's residents, or the council and the
    named stakeholders (1+8+N)."""
    meeting = db.session.get(type(meeting), meeting.id)
    if meeting is None or meeting.proposal_id is None:
        return
    notify_many(checkin.invited_resident_ids(meeting), "meeting_invited", subject=meeting.title,
                target=f"meeting:{meeting.id}", now=now)


@events.after_commit(events.meeting_invitee_added)
def _invited_later(sender, *, meeting, invitee, actor, now) -> None:
    """A stakeholder named on the invitees page after a topic's meeting was scheduled hears of it too (once: those
    named with the scheduling were told by `_invited`, which runs first)."""
    meeting = db.session.get(type(meeting), meeting.id)
    target = f"meeting:{meeting.id}" if meeting is not None else ""
    if meeting is None or meeting.proposal_id is None or db.session.scalar(select(Notification.id).where(
            Notification.resident_id == invitee.resident_id, Notification.kind == "meeting_invited",
            Notification.target == target).limit(1)):
        return
    notify_many([invitee.resident_id], "meeting_invited", subject=meeting.title, target=target, now=now)


@events.after_commit(events.objection_answered)
def _objection_answered(sender, *, objection, proposal, actor, now) -> None:
    resident = db.session.get(Resident, objection.resident_id)
    notify(resident, "objection_answered", subject=proposal.title, target=_case_link(proposal), now=now)


def _redemption(kind: str):
    def receive(sender, *, redemption, actor, now, **_) -> None:
        redemption = db.session.get(Redemption, redemption.id)
        notify(redemption.resident, kind, subject=redemption.reward.name,
               target=f"redemption:{redemption.id}", now=now)

    receive.__name__ = f"_tell_{kind}"
    return receive


_REDEMPTION_RECEIVERS = {kind: _redemption(kind) for kind in
                         ("redemption_approved", "redemption_rejected", "redemption_handed_over",
                          "redemption_handover_undone", "redemption_expired")}
for _kind, _receiver in _REDEMPTION_RECEIVERS.items():
    events.after_commit(getattr(events, _kind))(_receiver)


@events.after_commit(events.activity_cancelled)
def _activity_cancelled(sender, *, activity, enrollments, actor, now) -> None:
    """Everyone signed up hears that the activity is off (the volunteering issue asked for it once an inbox exists)."""
    for enrollment in enrollments:
        resident = db.session.get(Resident, enrollment.resident_id)
        notify(resident, "activity_cancelled", subject=activity.title, target=f"activity:{activity.id}", now=now)
