"""Every move of a case, one service call each: suggest, screen (accept / reject / merge), schedule deliberation,
record and publish the decision, close the notice, carry out, mark done, rate, confirm or dispute, award the
outcome, archive.

Each call re-reads the case under a row lock (`_lock`), checks the move against `TRANSITIONS` (`_move`), records
one `ProposalTransition` and announces it. Points go only through `ledger.award`, under keys derived from the case
and the person (`proposal:<id>:accepted:<resident>`), so a retry, a race or a merge never pays twice. Lock order:
the case → (the chain head, inside the ledger).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ... import clock, events, photos
from ...accounts.models import Resident, Role
from ...accounts.permissions import SYSTEM, Actor, may, require
from ...checkin import services as checkin
from ...checkin.models import Meeting, Vote
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from ...ledger import services as ledger
from ...units.models import Level, Unit
from ..earning import PROPOSAL_DONE_RATED, RATING, SUGGESTION_ACCEPTED, SUGGESTION_SUBMITTED
from ..models import (
    MAX_PHOTOS, OPEN_TOPIC_STATES, OUTCOME_MIN_AVERAGE, OUTCOME_MIN_RATINGS, PROPOSAL_PHOTOS, RATING_STATES, Category,
    CoProposer, NegativeListItem, Objection, OwnerKind, ProgressUpdate, Proposal, ProposalState, ProposalTransition,
    Rating,
)
from .errors import AlreadyDone, InvalidInput, NotInUnit, PeriodNotOver, PeriodOver, WrongStage, text_field
from .settings import add_working_days, settings_for

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


# ---------------------------------------------------------------------------------------------------------
# 集: suggest


@transaction
def submit_proposal(
    resident: Resident, *, title: str, description: str = "", category_id: int | None = None,
    unit_id: int | None = None, is_anonymous: bool = False, photo_files: list[bytes] | None = None,
    token: str, actor: Resident | None = None, now: datetime | None = None,
) -> Proposal:
    """A resident raises a matter, or staff enter one for a resident without a phone (who is credited).
    The same form token makes one suggestion, however often it is sent."""
    now = now or utcnow()
    actor = actor or resident
    if actor.id != resident.id:
        require(actor, Role.STAFF, resident.community)
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise InvalidInput(code="invalid_token")
    db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    replay = db.session.scalar(select(Proposal).where(Proposal.proposer_id == resident.id, Proposal.submit_token == token))
    if replay is not None:
        return replay
    if not resident.is_active_account:
        raise NotAllowed(_l("This account is not active."), code="inactive_resident")
    title = text_field(title, field="title", max_length=MAX_TITLE, required=True)
    description = text_field(description, field="description", max_length=MAX_DESCRIPTION)
    category = _category(resident.community_id, category_id)
    unit = _affected_unit(resident, unit_id)
    files = [f for f in (photo_files or []) if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_l("Up to %(n)d photos.", n=MAX_PHOTOS), code="too_many_photos", field="photos")
    tokens = _store_photos(files)
    settings = settings_for(resident.community_id)
    proposal = Proposal(
        community_id=resident.community_id, unit_id=unit.id, proposer_id=resident.id, entered_by_id=actor.id,
        submit_token=token, category_id=category.id if category else None, title=title, description=description,
        is_anonymous=bool(is_anonymous), photos=" ".join(tokens), state=S.SUBMITTED.value, submitted_at=now,
        screening_due_at=add_working_days(now, settings.screening_days), state_changed_at=now,
    )
    db.session.add(proposal)
    db.session.flush()
    _record(proposal, None, S.SUBMITTED, actor=actor, note="", now=now)
    ledger.award(resident, SUGGESTION_SUBMITTED, key=f"proposal:{proposal.id}:submitted", cause=("proposal", proposal.id),
                 memo=title, actor=actor, now=now)
    return proposal


def _category(community_id: int, category_id: int | None) -> Category | None:
    if category_id is None:
        return None
    category = db.session.get(Category, category_id)
    if category is None or category.community_id != community_id or not category.is_active:
        raise InvalidInput(_l("Choose one of the listed categories."), code="invalid_category", field="category")
    return category


def affected_units(resident: Resident) -> list[Unit]:
    """What a resident may name as the affected area: their building, its compound, their community."""
    units, unit = [], resident.unit
    while unit is not None and unit.level != Level.STREET.value:
        units.append(unit)
        if unit.level == Level.COMMUNITY.value:
            break
        unit = unit.parent
    return units


def _affected_unit(resident: Resident, unit_id: int | None) -> Unit:
    choices = affected_units(resident)
    if unit_id is None:
        return choices[-1]
    for unit in choices:
        if unit.id == unit_id:
            return unit
    raise InvalidInput(_l("Choose your building, your compound or your community."), code="invalid_unit", field="unit")


# ---------------------------------------------------------------------------------------------------------
# 定: screen


def may_screen(actor: Actor, community: Unit) -> bool:
    """Staff and council members of the community screen suggestions."""
    return may(actor, Role.STAFF, community) or may(actor, Role.COUNCIL, community)


def _require_screener(actor: Actor, proposal: Proposal) -> None:
    if not may_screen(actor, proposal.community):
        raise NotAllowed(code="not_allowed")


@transaction
def accept_proposal(proposal: Proposal, *, actor: Actor, note: str = "", now: datetime | None = None) -> Proposal:
    """Take the suggestion up as a topic; its proposer earns `suggestion_accepted`."""
    now = now or utcnow()
    proposal = _lock(proposal)
    _require_screener(actor, proposal)
    note = text_field(note, field="note", max_length=500)
    _move(proposal, S.ACCEPTED, actor=actor, note=note, now=now)
    proposal.screened_at, proposal.screened_by_id = now, actor.id
    _award_accepted(proposal, proposal.proposer, actor=actor, now=now)
    return proposal


@transaction
def reject_proposal(proposal: Proposal, *, actor: Actor, reason: str, negative_item_id: int | None = None,
                    now: datetime | None = None) -> Proposal:
    """Not taken up, always with a reason and, where one applies, the negative-list item."""
    now = now or utcnow()
    proposal = _lock(proposal)
    _require_screener(actor, proposal)
    reason = text_field(reason, field="reason", max_length=500, required=True)
    item = None
    if negative_item_id is not None:
        item = db.session.get(NegativeListItem, negative_item_id)
        if item is None or item.community_id != proposal.community_id:
            raise InvalidInput(_l("Choose one of the listed items."), code="invalid_negative_item", field="negative_item")
    _move(proposal, S.REJECTED, actor=actor, note=reason, now=now)
    proposal.screened_at, proposal.screened_by_id = now, actor.id
    proposal.reject_reason, proposal.negative_item_id = reason, item.id if item else None
    return proposal


@transaction
def merge_proposal(proposal: Proposal, *, into: Proposal, actor: Actor, note: str = "",
                   now: datetime | None = None) -> Proposal:
    """Fold a suggestion into an open topic: its proposer becomes a co-proposer there and earns
    `suggestion_accepted` once for that topic, however many of their suggestions are merged into it."""
    now = now or utcnow()
    proposal = _lock(proposal)
    _require_screener(actor, proposal)
    target = _lock(into)
    if target.id == proposal.id or target.community_id != proposal.community_id:
        raise InvalidInput(_l("Choose another topic of this community."), code="invalid_target", field="into")
    if target.status not in OPEN_TOPIC_STATES:
        raise WrongStage(_l("Suggestions can only be merged into a topic not yet decided."), code="target_closed")
    _move(proposal, S.MERGED, actor=actor, note=text_field(note, field="note", max_length=500), now=now)
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
                 cause=("proposal", topic.id), memo=topic.title, actor=_resident_or_none(actor), now=now)


# ---------------------------------------------------------------------------------------------------------
# 议 · 决: deliberate and decide


@transaction
def schedule_deliberation(proposal: Proposal, *, staff: Resident, venue, title: str, starts_at: datetime | None,
                          ends_at: datetime | None, audience: str = "community", agenda: str = "",
                          now: datetime | None = None) -> Meeting:
    """Schedule a meeting on the topic through the meeting service; the first one starts the deliberation."""
    now = now or utcnow()
    proposal = _lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    if proposal.status not in (S.ACCEPTED, S.DELIBERATING):
        raise _wrong_stage(proposal)
    meeting = checkin.schedule_meeting(staff=staff, venue=venue, title=title or proposal.title, starts_at=starts_at,
                                       ends_at=ends_at, agenda=agenda or proposal.description, audience=audience,
                                       proposal_id=proposal.id, now=now)
    if proposal.status == S.ACCEPTED:
        _move(proposal, S.DELIBERATING, actor=staff, note=meeting.title, now=now)
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
    proposal = _lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    meeting = db.session.get(Meeting, vote.meeting_id)
    if meeting is None or meeting.proposal_id != proposal.id:
        raise InvalidInput(_l("Choose a vote of this topic's meetings."), code="invalid_vote", field="vote")
    if vote.is_open:
        raise WrongStage(_l("Close the vote first."), code="vote_open")
    text = text_field(text, field="text", max_length=5000)
    threshold = settings_for(proposal.community_id).threshold_percent
    passed = vote.cast > 0 and vote.yes * 100 > threshold * vote.cast
    _move(proposal, S.DECIDED, actor=staff, note=f"{vote.yes}/{vote.no}/{vote.abstain}", now=now)
    proposal.votes_for, proposal.votes_against, proposal.votes_abstain = vote.yes, vote.no, vote.abstain
    proposal.threshold_percent, proposal.is_passed = threshold, passed
    proposal.decision_text = text or meeting.minutes
    proposal.decided_at = now
    return proposal


# ---------------------------------------------------------------------------------------------------------
# 公: publicise, object, answer, close the notice


@transaction
def publish_decision(proposal: Proposal, *, staff: Resident, now: datetime | None = None) -> Proposal:
    """Publish the decision (公示): residents may object for the community's objection period."""
    now = now or utcnow()
    proposal = _lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    _move(proposal, S.PUBLICISED, actor=staff, note="", now=now)
    proposal.published_at = now
    proposal.objection_until = add_working_days(now, settings_for(proposal.community_id).objection_days)
    return proposal


@transaction
def raise_objection(proposal: Proposal, *, resident: Resident, reason: str, now: datetime | None = None) -> Objection:
    """Any resident of the community objects to a published decision while the notice runs."""
    now = now or utcnow()
    proposal = _lock(proposal)
    if resident.community_id != proposal.community_id:
        raise NotAllowed(code="other_community")
    if proposal.status != S.PUBLICISED:
        raise _wrong_stage(proposal)
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
    proposal = _lock(db.session.get(Proposal, objection.proposal_id))  # type: ignore[arg-type]
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
    proposal = _lock(proposal)
    require(actor, Role.STAFF, proposal.community)
    if proposal.status != S.PUBLICISED:
        raise _wrong_stage(proposal)
    if now < proposal.objection_until:  # type: ignore[operator]
        raise PeriodNotOver(_l("The notice period has not ended yet."), code="notice_running")
    if unanswered_objections(proposal):
        raise WrongStage(_l("Every objection must be answered first."), code="objections_unanswered")
    if proposal.is_passed:
        _move(proposal, S.IMPLEMENTING, actor=actor, note="", now=now)
    else:
        _move(proposal, S.ARCHIVED, actor=actor, note=str(_l("Not passed")), now=now)
        proposal.archived_at = now
    return proposal


# ---------------------------------------------------------------------------------------------------------
# 办 · 督: carry out and supervise


@transaction
def assign_owner(proposal: Proposal, *, staff: Resident, owner_kind: str, owner_name: str = "",
                 owner: Resident | None = None, due_on: date | None = None, now: datetime | None = None) -> Proposal:
    """Name who carries the case out (a worker, a partner, a volunteer team, a party member; free text allowed)
    and by when."""
    now = now or utcnow()
    proposal = _lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    if proposal.status != S.IMPLEMENTING:
        raise _wrong_stage(proposal)
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
    proposal = _lock(proposal)
    if resident.community_id != proposal.community_id:
        raise NotAllowed(code="other_community")
    if not resident.is_party_member:
        raise NotAllowed(_l("Only party members can claim a task."), code="not_party_member")
    if proposal.status != S.IMPLEMENTING:
        raise _wrong_stage(proposal)
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
    proposal = _lock(proposal)
    if not _may_update(author, proposal):
        raise NotAllowed(code="not_allowed")
    if proposal.status != S.IMPLEMENTING:
        raise _wrong_stage(proposal)
    text = text_field(text, field="text", max_length=1000, required=True)
    files = [f for f in (photo_files or []) if f]
    if len(files) > MAX_PHOTOS:
        raise InvalidInput(_l("Up to %(n)d photos.", n=MAX_PHOTOS), code="too_many_photos", field="photos")
    update = ProgressUpdate(proposal_id=proposal.id, author_id=author.id, text=text, created_at=now,
                            photos=" ".join(_store_photos(files)))
    db.session.add(update)
    db.session.flush()
    events.proposal_progress.send("proposals", proposal=proposal, update=update, actor=author, now=now)
    return update


@transaction
def mark_done(proposal: Proposal, *, staff: Resident, note: str = "", now: datetime | None = None) -> Proposal:
    """Done: the affected unit's residents may rate it for the rating period."""
    now = now or utcnow()
    proposal = _lock(proposal)
    require(staff, Role.STAFF, proposal.community)
    _move(proposal, S.DONE, actor=staff, note=text_field(note, field="note", max_length=500), now=now)
    proposal.done_at = now
    proposal.rating_until = now + timedelta(days=settings_for(proposal.community_id).rating_days)
    return proposal


# ---------------------------------------------------------------------------------------------------------
# 评: rate, confirm or dispute, the outcome award


def may_rate(resident: Resident | None, proposal: Proposal) -> bool:
    """Only residents of the affected unit rate a case."""
    return resident is not None and getattr(resident, "id", None) is not None and proposal.unit.contains(resident.unit)


@transaction
def rate_proposal(proposal: Proposal, *, resident: Resident, stars: int, comment: str = "",
                  now: datetime | None = None) -> Rating:
    """A resident of the affected unit rates the done case 1–5, once, and earns `rating`."""
    now = now or utcnow()
    proposal = _lock(proposal)
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
    proposal = _lock(proposal)
    _require_proposer(resident, proposal)
    _move(proposal, S.CONFIRMED, actor=resident, note=text_field(note, field="note", max_length=500), now=now)
    proposal.confirmed_at = now
    return proposal


@transaction
def dispute_completion(proposal: Proposal, *, resident: Resident, reason: str, now: datetime | None = None) -> Proposal:
    """The proposer says it is not done: implementation reopens, and the rating period with it."""
    now = now or utcnow()
    proposal = _lock(proposal)
    _require_proposer(resident, proposal)
    reason = text_field(reason, field="reason", max_length=500, required=True)
    _move(proposal, S.IMPLEMENTING, actor=resident, note=reason, now=now)
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
    proposal = _lock(proposal)
    require(actor, Role.STAFF, proposal.community)
    if proposal.rating_until is None or proposal.status not in RATING_STATES | {S.ARCHIVED}:
        raise WrongStage(_l("The case has not been rated."), code="not_done")
    if now < proposal.rating_until:
        raise PeriodNotOver(_l("The rating period has not ended yet."), code="rating_running")
    count, average = rating_summary(proposal)
    if count < OUTCOME_MIN_RATINGS or average is None or average < OUTCOME_MIN_AVERAGE:
        return []
    return [ledger.award(person, PROPOSAL_DONE_RATED, key=f"proposal:{proposal.id}:outcome:{person.id}",
                         cause=("proposal", proposal.id), memo=proposal.title, actor=_resident_or_none(actor), now=now)
            for person in proposers_of(proposal)]


# ---------------------------------------------------------------------------------------------------------
# 备: archive


@transaction
def archive_proposal(proposal: Proposal, *, actor: Actor, note: str = "", now: datetime | None = None) -> Proposal:
    """Close the file once the rating period is over, awarding the outcome if it earned one."""
    now = now or utcnow()
    proposal = _lock(proposal)
    require(actor, Role.STAFF, proposal.community)
    if proposal.status not in RATING_STATES:
        raise _wrong_stage(proposal)
    if now < proposal.rating_until:  # type: ignore[operator]
        raise PeriodNotOver(_l("The rating period has not ended yet."), code="rating_running")
    award_outcome(proposal, actor=actor, now=now)
    _move(proposal, S.ARCHIVED, actor=actor, note=text_field(note, field="note", max_length=500), now=now)
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


# ---------------------------------------------------------------------------------------------------------
# Machinery


def _lock(proposal: Proposal) -> Proposal:
    """Re-read the case under a row lock: every step decides on its current state, not on a stale copy."""
    locked = db.session.scalar(select(Proposal).where(Proposal.id == proposal.id).with_for_update()
                               .execution_options(populate_existing=True))
    assert locked is not None
    return locked


def _wrong_stage(proposal: Proposal) -> WrongStage:
    return WrongStage(code=f"already_{proposal.state}", state=proposal.state)


def _move(proposal: Proposal, target: ProposalState, *, actor: Actor, note: str, now: datetime) -> ProposalTransition:
    """The one way a case changes state: checked against the table, recorded, announced."""
    current = proposal.status
    if not current.can_become(target):
        raise _wrong_stage(proposal)
    proposal.state, proposal.state_changed_at = target.value, now
    return _record(proposal, current, target, actor=actor, note=note, now=now)


def _record(proposal: Proposal, current: ProposalState | None, target: ProposalState, *, actor: Actor, note: str,
            now: datetime) -> ProposalTransition:
    row = ProposalTransition(proposal_id=proposal.id, from_state=current.value if current else None,
                             to_state=target.value, actor_id=getattr(actor, "id", None), note=note[:500], created_at=now)
    db.session.add(row)
    db.session.flush()
    signal = events.proposal_disputed if (current, target) == DISPUTE else MOVE_EVENTS[target]
    signal.send("proposals", proposal=proposal, transition=row, actor=actor, now=now)
    return row


def _store_photos(files: list[bytes]) -> list[str]:
    """Check, re-encode and store each photo; a refusal names the form's `photos` field."""
    try:
        return [photos.store(data, PROPOSAL_PHOTOS) for data in files]
    except photos.InvalidPhoto as error:
        error.details["field"] = "photos"
        raise


def _resident_or_none(actor: Actor) -> Resident | None:
    return actor if isinstance(actor, Resident) else None
