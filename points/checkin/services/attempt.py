"""What a check-in attempt carries: the request, its outcome, a refusal, the attempt being judged, and the limits."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from ...accounts.models import Resident
from ..checkable import Checkable
from ..models import SELF_ROUTES, Checkin, CheckinTicket, Reason, Route, Step, Venue
from .lookup import ScanFacts

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
