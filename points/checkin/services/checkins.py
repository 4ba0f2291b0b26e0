"""`check_in(target, CheckinRequest(...))`: the one service behind every route. Each attempt becomes one row
of the log. The target is anything `Checkable` (a meeting today), or the venue a resident scanned, resolved to
the meeting there; the service reads the target only through the protocol (checkable.py).

Order of the checks, so that a refusal names the closest cause: rate limit → the code (invalid, expired) →
the meeting (none, cancelled) → the person (not eligible) → already checked in → the window. A repeat scan
after the meeting thus still answers "已签到 14:03" rather than "check-in closed".

One standing success per resident and meeting is held by a partial unique index, not by the read before the
insert: two scans racing both read "not yet", one insert wins, the other turns into `already_checked_in`.

Check-out (`Step.OUT`) is the second step for things with `has_checkout` (a volunteer activity): the same
routes, checks and log, with its own refusals (`not_checked_in`, `already_checked_out`) and its own unique index;
a success announces `checked_out`, and the domain that owns the thing counts the time. A resident's own scan
of a venue where they are checked in, at least `CHECKIN_CHECKOUT_AFTER_MINUTES` later, is a check-out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ... import events, ratelimit
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...accounts.services import resident_by_member_code
from ...db import adopt, db, transaction, utcnow
from ...errors import NotAllowed
from ...ledger import services as ledger
from .. import codes
from ..checkable import Checkable
from ..models import SELF_ROUTES, Checkin, CheckinTicket, CheckinUndo, Reason, Route, Step, Venue
from .lookup import ScanFacts, checkable, checkins_of, locate, lock, standing_checkin

DEFAULT_LIMITS = {
    "CHECKIN_RATE_LIMIT": "20/minute",  # a resident scanning for themselves
    "CHECKIN_STAFF_RATE_LIMIT": "600/minute",  # a staff member or scanner device at a busy desk
    "CHECKIN_SCAN_RATE_LIMIT": "60/minute",  # scans before login, per client address
    "CHECKIN_TICKET_MINUTES": 10,  # how long a validated scan waits for the resident to log in
    "CHECKIN_CHECKOUT_AFTER_MINUTES": 10,  # a second scan sooner than this is a repeat, not a check-out
}


@dataclass(frozen=True)
class CheckinRequest:
    """Who asks, how, and with what. Residents (routes poster/kiosk) are the `actor` and give the kiosk `code`
    they scanned, or the `ticket` that carried their scan through login; staff (scanner/search/api) give the
    resident's member `code` or the `resident` they found. A repeated `nonce` from the same actor returns the
    first answer and writes nothing. `step` is IN or OUT; None lets a resident's own scan decide (a check-out
    when they are checked in to a thing with `has_checkout`), and means IN for staff."""

    route: Route
    actor: Resident | None
    code: str = ""
    resident: Resident | None = None
    ticket: CheckinTicket | None = None
    device: str = ""
    client: str = ""  # the client address, for the rate limit before login
    nonce: str | None = None
    now: datetime | None = None
    step: Step | None = None


@dataclass(frozen=True)
class CheckinOutcome:
    """What an attempt came to: its log row, and the success that stands (itself, or the earlier one)."""

    checkin: Checkin
    replayed: bool = False
    checkin_id: int = 0  # readable after the commit without a query

    def __post_init__(self) -> None:
        if not self.checkin_id:
            object.__setattr__(self, "checkin_id", self.checkin.id)

    @property
    def ok(self) -> bool:
        return self.checkin.is_success

    @property
    def reason(self) -> str | None:
        return self.checkin.reason

    @property
    def standing(self) -> Checkin | None:
        return self.checkin if self.checkin.is_success else self.checkin.original

    @property
    def checked_in_at(self) -> datetime | None:
        return self.standing.created_at if self.standing else None

    @property
    def resident(self) -> Resident | None:
        return self.checkin.resident


@dataclass(frozen=True)
class TicketOutcome:
    """A scan before login: a ticket to carry through the login, or a refusal (logged)."""

    ticket: CheckinTicket | None = None
    refusal: CheckinOutcome | None = None


class Refused(Exception):
    def __init__(self, reason: Reason, detail: str = "", *, original: Checkin | None = None) -> None:
        super().__init__(reason.value)
        self.reason, self.detail, self.original = reason, detail, original


@dataclass
class _Attempt:
    route: Route
    actor: Resident | None
    now: datetime
    venue: Venue | None = None
    meeting: Checkable | None = None  # the thing checked into, once known
    resident: Resident | None = None
    code: str = ""
    device: str = ""
    nonce: str | None = None
    scanned_at: datetime | None = None
    round: int = 0  # earlier successes of this resident at this meeting, all undone
    step: Step | None = None
    checked_in: Checkin | None = None  # for a check-out: the check-in it closes
    facts: ScanFacts | None = None  # read with the meeting under its lock (a resident's own poster scan)

    @property
    def at(self) -> datetime:
        """The moment the rules judge: when the code was read, which a ticket carries through login."""
        return self.scanned_at or self.now

    @property
    def by_staff(self) -> bool:
        return self.route not in SELF_ROUTES


def setting(name: str):
    return current_app.config.get(name, DEFAULT_LIMITS[name])


# ---------------------------------------------------------------------------------------------------------
# Checking in


@transaction
def check_in(target: Checkable | Venue | None, request: CheckinRequest) -> CheckinOutcome:
    """Check a resident in to `target`, or refuse with a reason; either way one row of the log.

    Staff routes name the meeting (any `Checkable`). A resident's own scan names the venue (None: an unknown
    poster, logged as such), and the service finds the meeting there; with a ticket, the ticket's scan counts.
    """
    route, actor, ticket = Route(request.route), request.actor, request.ticket
    nonce = (request.nonce or "").strip()[:64] or None
    if nonce and actor is not None:
        replay = _by_nonce(actor, nonce)
        if replay is not None:
            return CheckinOutcome(replay, replayed=True)
    venue = target if isinstance(target, Venue) or target is None else None
    meeting = None if isinstance(target, Venue) else target
    attempt = _Attempt(
        route=route, actor=actor, now=request.now or utcnow(), venue=venue, meeting=meeting,
        resident=actor if route in SELF_ROUTES else request.resident, code=(request.code or "")[:64],
        device=(request.device or "")[:200], nonce=nonce, step=Step(request.step) if request.step else None,
    )
    if actor is None:
        raise NotAllowed()  # a scan before login goes through `issue_ticket`
    if attempt.by_staff:
        require(actor, Role.STAFF, meeting.community if meeting is not None else None)
    try:
        _rate_limit(attempt, request.client)
        if ticket is not None:
            _resolve_ticket(attempt, ticket)
        elif attempt.by_staff:
            _resolve_member(attempt)
        else:
            attempt.meeting = _meeting_from_scan(attempt)
        if attempt.meeting is not None and attempt.facts is None:
            lock(attempt.meeting)  # a cancel or close waits for this check-in, or this one sees it
        _check_meeting(attempt.meeting)
        _check_eligible(attempt)
        _choose_step(attempt)
        if attempt.step == Step.OUT:
            _check_checked_in(attempt)
        else:
            _check_not_already(attempt)
        _check_window(attempt)
    except Refused as refused:
        # Someone else's ticket stays theirs: the refusal is logged without touching it.
        return _log_refusal(attempt, refused, None if refused.detail == "ticket_used" else ticket)
    return _log_success(attempt, ticket)


@transaction
def issue_ticket(venue: Venue | None, *, code: str = "", device: str = "", client: str = "",
                 now: datetime | None = None) -> TicketOutcome:
    """A logged-out resident scanned a venue: validate the scan now, and hold it in a ticket through login."""
    attempt = _Attempt(route=Route.KIOSK if code else Route.POSTER, actor=None, now=now or utcnow(), venue=venue,
                       code=(code or "")[:64], device=(device or "")[:200])
    try:
        if not ratelimit.hit(setting("CHECKIN_SCAN_RATE_LIMIT"), "checkin-scan", client or "-"):
            raise Refused(Reason.RATE_LIMITED)
        attempt.meeting = _meeting_from_scan(attempt)
        _check_meeting(attempt.meeting)
        _check_window(attempt)
    except Refused as refused:
        return TicketOutcome(refusal=_log_refusal(attempt, refused, None))
    assert venue is not None and attempt.meeting is not None
    kiosk = codes.parse_kiosk_code(code) if code else None
    ticket = CheckinTicket(
        token=codes.new_token() + codes.new_token(), venue_id=venue.id, **{attempt.meeting.checkin_column: attempt.meeting.id},
        route=attempt.route.value, slot=kiosk.slot if kiosk else None, scanned_at=attempt.now,
        expires_at=attempt.now + timedelta(minutes=int(setting("CHECKIN_TICKET_MINUTES"))),
    )
    db.session.add(ticket)
    db.session.flush()
    return TicketOutcome(ticket=ticket)


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


def _row(attempt: _Attempt, **values: object) -> Checkin:
    target = {attempt.meeting.checkin_column: attempt.meeting.id} if attempt.meeting else {}
    return Checkin(
        **target,
        venue_id=attempt.venue.id if attempt.venue else (attempt.meeting.venue_id if attempt.meeting else None),
        resident_id=attempt.resident.id if attempt.resident else None,
        actor_id=attempt.actor.id if attempt.actor else None, route=attempt.route.value, code=attempt.code,
        device=attempt.device, nonce=attempt.nonce if attempt.actor else None,
        scanned_at=attempt.scanned_at, created_at=attempt.now, step=(attempt.step or Step.IN).value, **values,
    )


def _insert(row: Checkin) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: losing a race to a unique index (one standing success, one nonce) inserts
    nothing and leaves the transaction usable, in one statement where a savepoint took three. The row becomes a
    persistent object without reading it back."""
    table = Checkin.__table__
    values = {}
    for column in table.columns:
        if column.key == "id" and row.id is None:
            continue  # the database chooses it (the lean path chose it already: `ScanFacts.next_id`)
        value = getattr(row, column.key)
        if value is None and column.default is not None and column.default.is_scalar:
            value = column.default.arg
        values[column.key] = value
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    row_id = db.session.execute(insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)).scalar()
    if row_id is None:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    row.id = row_id
    adopt(row)
    return True


def _log_refusal(attempt: _Attempt, refused: Refused, ticket: CheckinTicket | None) -> CheckinOutcome:
    row = _row(attempt, is_success=False, reason=refused.reason.value, detail=refused.detail,
               original_id=refused.original.id if refused.original else None)
    if not _insert(row):
        return _lost_race(attempt, ticket)
    if ticket is not None:
        ticket.checkin_id = row.id
    return CheckinOutcome(row)


def _log_success(attempt: _Attempt, ticket: CheckinTicket | None) -> CheckinOutcome:
    meeting, resident = attempt.meeting, attempt.resident
    assert meeting is not None and resident is not None
    undone = attempt.round
    row = _row(attempt, is_success=True, round=undone)
    if attempt.step != Step.OUT and meeting.awards_on_checkin and attempt.facts is not None and attempt.facts.next_id:
        return _award_then_log(attempt, row, _award_key(meeting, resident, undone), ticket)
    if not _insert(row):
        return _lost_race(attempt, ticket)
    if attempt.step == Step.OUT:
        if ticket is not None:
            ticket.checkin_id = row.id
        db.session.flush()
        events.checked_out.send("checkin", checkout=row, checkin=attempt.checked_in, target=meeting, resident=resident,
                                actor=attempt.actor, now=attempt.now)
        return CheckinOutcome(row)
    if not meeting.awards_on_checkin:
        if ticket is not None:
            ticket.checkin_id = row.id
        db.session.flush()
        events.checked_in.send("checkin", checkin=row, meeting=meeting, resident=resident, transaction=None,
                               actor=attempt.actor, now=attempt.now)
        return CheckinOutcome(row)
    outcome = ledger.award(
        resident, meeting.earning_action, key=_award_key(meeting, resident, undone), cause=("checkin", row.id), memo=meeting.memo,
        points=meeting.earning_points, actor=attempt.actor, now=attempt.now,
    )
    row.points = outcome.points
    row.transaction_id = outcome.transaction.id if outcome.transaction else None
    row.detail = outcome.refusal.reason_code if outcome.refusal else ""
    if ticket is not None:
        ticket.checkin_id = row.id
    db.session.flush()
    events.checked_in.send("checkin", checkin=row, meeting=meeting, resident=resident, transaction=outcome.transaction,
                           actor=attempt.actor, now=attempt.now)
    return CheckinOutcome(row)


def _award_key(meeting: Checkable, resident: Resident, undone: int) -> str:
    key = f"{meeting.checkin_key}:resident:{resident.id}"
    if undone:
        key += f":round:{undone}"  # the first award was reversed by an undo; this is a new attendance
    return key


def _award_then_log(attempt: _Attempt, row: Checkin, key: str, ticket: CheckinTicket | None) -> CheckinOutcome:
    """The lean path of a resident's own scan: the row's id was read with the meeting (`ScanFacts.next_id`), so the
    award names it and the row is written once, with its points, instead of written and then updated. The award
    joins this transaction without a savepoint: if it fails, the check-in fails with it."""
    meeting, resident, facts = attempt.meeting, attempt.resident, attempt.facts
    assert meeting is not None and resident is not None and facts is not None and facts.next_id is not None
    session = db.session()
    session.info[_BOOKING_NOW] = facts.next_id
    try:
        outcome = ledger.award.joined(
            resident, meeting.earning_action, key=key, cause=("checkin", facts.next_id), memo=meeting.memo,
            points=meeting.earning_points, actor=attempt.actor, now=attempt.now,
        )
    finally:
        session.info.pop(_BOOKING_NOW, None)
    row.id = facts.next_id
    row.points = outcome.points
    row.transaction_id = outcome.transaction.id if outcome.transaction else None
    row.detail = outcome.refusal.reason_code if outcome.refusal else ""
    if not _insert(row):
        booked = outcome.transaction or outcome.refusal
        if booked is not None and booked.cause_id == facts.next_id:
            raise RuntimeError("check-in row lost a race after its award was booked")  # rolls the award back
        # The standing check-in committed while this scan waited for the meeting's lock: the award above was
        # its replay; this scan is a repeat.
        row.id = None
        return _lost_race(attempt, ticket)
    if ticket is not None:
        ticket.checkin_id = row.id
    events.checked_in.send("checkin", checkin=row, meeting=meeting, resident=resident, transaction=outcome.transaction,
                           actor=attempt.actor, now=attempt.now)
    return CheckinOutcome(row)


_BOOKING_NOW = "points_checkin_booking"  # session.info: the check-in row whose award is being booked


def _lost_race(attempt: _Attempt, ticket: CheckinTicket | None) -> CheckinOutcome:
    """Another request committed first: the same nonce (answer as it was answered), or the same resident."""
    if attempt.nonce and attempt.actor is not None:
        replay = _by_nonce(attempt.actor, attempt.nonce)
        if replay is not None:
            return CheckinOutcome(replay, replayed=True)
    step = attempt.step or Step.IN
    standing = standing_checkin(attempt.meeting, attempt.resident, step=step) if attempt.meeting and attempt.resident else None
    if standing is None:
        raise RuntimeError("check-in lost a race but no winner is visible")
    reason = Reason.ALREADY_CHECKED_OUT if step == Step.OUT else Reason.ALREADY_CHECKED_IN
    return _log_refusal(attempt, Refused(reason, original=standing), ticket)


@events.in_transaction(events.points_awarded)
def _credited_later(sender: str, *, transaction, points: int, **_: object) -> None:
    """An award for a check-in booked after it (the resident's account was confirmed by staff): the log row
    records the points and the transaction, as verify reconciles them."""
    if transaction.cause_type != "checkin" or transaction.cause_id is None:
        return
    if db.session().info.get(_BOOKING_NOW) == transaction.cause_id:
        return  # the scan's own award: its row is written next, with these points
    row = db.session.get(Checkin, transaction.cause_id)
    if row is not None and row.transaction_id is None:
        row.points, row.transaction_id, row.detail = points, transaction.id, ""


def _by_nonce(actor: Resident, nonce: str) -> Checkin | None:
    return db.session.scalar(select(Checkin).where(Checkin.actor_id == actor.id, Checkin.nonce == nonce))
