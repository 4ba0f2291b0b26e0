"""The checks of a check-in, each raising `Refused` with the closest cause (their order is `check_in`'s)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from ... import ratelimit
from ...accounts.models import Resident
from ...accounts.services import resident_by_member_code
from ...db import db
from .. import codes
from ..checkable import Checkable
from ..models import Checkin, CheckinTicket, CheckinUndo, Reason, Route, Step
from .attempt import Refused, _Attempt, setting
from .lookup import checkable, checkins_of, locate, standing_checkin


def _rate_limit(attempt: _Attempt, client: str) -> None:
    if attempt.by_staff:
        allowed = ratelimit.hit(setting("CHECKIN_STAFF_RATE_LIMIT"), "checkin-staff", str(attempt.actor.id))  # type: ignore[union-attr]
    else:
        who = f"resident:{attempt.resident.id}" if attempt.resident else f"client:{client or '-'}"
        allowed = ratelimit.hit(setting("CHECKIN_RATE_LIMIT"), "checkin-self", who)
    if not allowed:
        raise Refused(Reason.RATE_LIMITED)


def _resolve_ticket(attempt: _Attempt, ticket: CheckinTicket) -> None:
    attempt.route = Route(ticket.route)
    attempt.venue = ticket.venue
    attempt.meeting = ticket.target
    attempt.scanned_at = ticket.scanned_at
    if attempt.now >= ticket.expires_at:
        raise Refused(Reason.EXPIRED_CODE, "ticket")
    _claim_ticket(ticket, attempt.resident)


def _claim_ticket(ticket: CheckinTicket, resident: Resident | None) -> None:
    """The first resident to use a ticket claims it, atomically: a copied ticket checks in one resident only.
    The same resident again (a reload) passes and meets `already_checked_in`."""
    assert resident is not None
    claimed = db.session.execute(
        update(CheckinTicket).where(CheckinTicket.id == ticket.id, CheckinTicket.used_by_id.is_(None))
        .values(used_by_id=resident.id).execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.refresh(ticket, ["used_by_id"])
        if ticket.used_by_id != resident.id:
            raise Refused(Reason.INVALID, "ticket_used")


def _resolve_member(attempt: _Attempt) -> None:
    if attempt.resident is not None:
        return
    scanned = codes.parse_scanned(attempt.code)
    if scanned.kind == "venue":
        raise Refused(Reason.INVALID, "venue_code")
    if scanned.kind != "member":
        raise Refused(Reason.INVALID, "unknown_member")
    attempt.resident = resident_by_member_code(scanned.member_code)
    if attempt.resident is None:
        raise Refused(Reason.INVALID, "unknown_member")
    if attempt.meeting is not None and attempt.resident.community_id != attempt.meeting.community_id:
        # Another community's card: the log, the desk and the API learn nothing about its holder.
        attempt.resident = None
        raise Refused(Reason.NOT_ELIGIBLE, "other_community")


def _meeting_from_scan(attempt: _Attempt) -> Checkable:
    venue = attempt.venue
    if venue is None or not venue.is_active:
        raise Refused(Reason.INVALID, "unknown_venue")
    if not attempt.code:
        # A logged-in resident's own scan finds the meeting and locks it in one statement, with their facts there.
        meeting, attempt.facts = locate(venue, attempt.at, lock_for=attempt.resident if attempt.actor is not None else None)
        if meeting is None:
            raise Refused(Reason.NO_MEETING, "none")
        attempt.meeting = meeting
        return meeting
    kiosk = codes.parse_kiosk_code(attempt.code)
    meeting = checkable(kiosk.kind, kiosk.meeting_id) if kiosk else None
    if kiosk is None or meeting is None or meeting.venue_id != venue.id:
        raise Refused(Reason.INVALID, "bad_code")
    attempt.meeting = meeting
    verdict = codes.check_slot(kiosk, meeting.secret, attempt.at)
    if verdict == codes.SlotCheck.EXPIRED:
        raise Refused(Reason.EXPIRED_CODE, "slot")
    if verdict != codes.SlotCheck.OK:
        raise Refused(Reason.INVALID, "bad_code")
    return meeting


def _check_meeting(meeting: Checkable | None) -> None:
    if meeting is None:
        raise Refused(Reason.NO_MEETING, "none")
    if meeting.is_cancelled:
        raise Refused(Reason.NO_MEETING, "cancelled")


def _check_eligible(attempt: _Attempt) -> None:
    resident, meeting = attempt.resident, attempt.meeting
    assert resident is not None and meeting is not None
    if attempt.by_staff and attempt.actor is not None and attempt.actor.id == resident.id:
        raise Refused(Reason.NOT_ELIGIBLE, "self")
    if resident.community_id != meeting.community_id:
        raise Refused(Reason.NOT_ELIGIBLE, "other_community")
    if not resident.is_active_account:
        raise Refused(Reason.NOT_ELIGIBLE, "inactive")
    detail = meeting.why_ineligible(resident)
    if detail:
        raise Refused(Reason.NOT_ELIGIBLE, detail)


def _choose_step(attempt: _Attempt) -> None:
    """IN unless asked for OUT; a resident's own scan of a thing they are checked in to (long enough) is OUT."""
    target = attempt.meeting
    assert target is not None and attempt.resident is not None
    if attempt.step is not None:
        if attempt.step == Step.OUT and not target.has_checkout:
            raise Refused(Reason.INVALID, "no_checkout")
        return
    attempt.step = Step.IN
    if target.has_checkout and not attempt.by_staff:
        standing = standing_checkin(target, attempt.resident)
        later = timedelta(minutes=int(setting("CHECKIN_CHECKOUT_AFTER_MINUTES")))
        if standing is not None and attempt.at - standing.created_at >= later:
            attempt.step = Step.OUT


def _check_checked_in(attempt: _Attempt) -> None:
    """A check-out needs a standing check-in and no check-out of it yet."""
    target, resident = attempt.meeting, attempt.resident
    assert target is not None and resident is not None
    standing = standing_checkin(target, resident)
    if standing is None:
        raise Refused(Reason.NOT_CHECKED_IN)
    out = standing_checkin(target, resident, step=Step.OUT)
    if out is not None and out.round == standing.round:
        raise Refused(Reason.ALREADY_CHECKED_OUT, original=out)
    attempt.checked_in, attempt.round = standing, standing.round


def _check_not_already(attempt: _Attempt) -> None:
    """Refuse a second standing success; otherwise note how many earlier ones were undone (the next round)."""
    facts = attempt.facts
    if facts is not None:
        if facts.standing_id is not None:
            raise Refused(Reason.ALREADY_CHECKED_IN, original=db.session.get(Checkin, facts.standing_id))
        attempt.round = facts.rounds
        return
    rows = db.session.execute(
        select(Checkin, CheckinUndo.id).outerjoin(CheckinUndo, CheckinUndo.checkin_id == Checkin.id)
        .where(checkins_of(attempt.meeting), Checkin.resident_id == attempt.resident.id, Checkin.is_success,  # type: ignore[arg-type, union-attr]
               Checkin.step == Step.IN.value)
        .order_by(Checkin.id.desc())
    ).all()
    for checkin, undo_id in rows:
        if undo_id is None:
            raise Refused(Reason.ALREADY_CHECKED_IN, original=checkin)
    attempt.round = len(rows)


def _check_window(attempt: _Attempt) -> None:
    meeting = attempt.meeting
    assert meeting is not None
    if meeting.is_closed:
        raise Refused(Reason.OUTSIDE_WINDOW, "closed")
    if attempt.at < meeting.opens_at:
        raise Refused(Reason.OUTSIDE_WINDOW, "too_early")
    if attempt.at >= (meeting.checkout_closes_at if attempt.step == Step.OUT else meeting.closes_at):
        raise Refused(Reason.OUTSIDE_WINDOW, "too_late")
    if attempt.route == Route.POSTER and meeting.requires_rotating_code:
        raise Refused(Reason.INVALID, "rotating_required")


def _by_nonce(actor: Resident, nonce: str) -> Checkin | None:
    return db.session.scalar(select(Checkin).where(Checkin.actor_id == actor.id, Checkin.nonce == nonce))
