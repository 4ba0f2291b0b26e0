"""`check_in(target, CheckinRequest(...))`: the one service behind every route. Each attempt becomes one row
of the log. The target is anything `Checkable` (a meeting today), or the venue a resident scanned, resolved to
the meeting there; the service reads the target only through the protocol (checkable.py).

Order of the checks, so that a refusal names the closest cause: rate limit → the code (invalid, expired) →
the meeting (none, cancelled) → the person (not eligible) → already checked in → the window. A repeat scan
after the meeting thus still answers "已签到 14:03" rather than "check-in closed".

One standing success per resident and meeting is held by a partial unique index, not by the read before the
insert: two scans racing both read "not yet", one insert wins, the other turns into `already_checked_in`.

The lean path (issue 11): a logged-in resident's own poster scan finds the open meeting and locks it in one
statement that also reads their standing check-in there, their rounds and the id the row will get
(`lookup.locate`); the award, joined without a savepoint, names that id, and the row is written once with its
points. Eleven statements in all, the award's seven included (tests/test_write_path.py); one more at a venue that
may hold an open volunteer activity (`Venue.checkables_until`).

Check-out (`Step.OUT`) is the second step for things with `has_checkout` (a volunteer activity): the same
routes, checks and log, with its own refusals (`not_checked_in`, `already_checked_out`) and its own unique index;
a success announces `checked_out`, and the domain that owns the thing counts the time. A resident's own scan
of a venue where they are checked in, at least `CHECKIN_CHECKOUT_AFTER_MINUTES` later, is a check-out.

The module is split by what each part does: the request and its outcome (attempt.py), the checks (checks.py),
writing the log row and the award (record.py); this one holds the two entry points and re-exports the rest."""
from __future__ import annotations

from datetime import datetime, timedelta

from ... import ratelimit
from ...accounts.models import Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...errors import NotAllowed
from .. import codes
from ..checkable import Checkable
from ..models import SELF_ROUTES, CheckinTicket, Reason, Route, Step, Venue
from .attempt import DEFAULT_LIMITS, CheckinOutcome, CheckinRequest, Refused, TicketOutcome, _Attempt, setting
from .checks import (
    _by_nonce, _check_checked_in, _check_eligible, _check_meeting, _check_not_already, _check_window, _choose_step,
    _meeting_from_scan, _rate_limit, _resolve_member, _resolve_ticket,
)
from .lookup import lock
from .record import _log_refusal, _log_success

__all__ = ["DEFAULT_LIMITS", "CheckinOutcome", "CheckinRequest", "TicketOutcome", "check_in", "issue_ticket", "setting"]


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
