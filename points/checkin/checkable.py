"""What a thing must offer to be checked into: `Checkable`. `Meeting` implements it; a volunteer `Activity` can
implement it too, and `check_in` then serves it with the same codes, kiosk, scanner, reasons and log.

The service reads only what is listed here. It asks the thing which column of the log names it
(`checkin_column`), so each kind of thing keeps its own foreign key and its own one-success unique index.

Check-out is the second step of the same machinery (`Step.OUT`): a thing with `has_checkout` takes a check-out by
the same routes into the same log, and the service announces `checked_out` for the domain that counts the time.
Things from higher domains are found through the registry (`points/domains.py`, `checkable_kind`): which of them
is open at a venue now, which one a kiosk code or kiosk address names. This package never imports them.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..accounts.models import Resident
    from ..ledger.earning import EarningAction
    from ..units.models import Unit
    from .models import Venue


@runtime_checkable
class Checkable(Protocol):
    id: int
    community_id: int
    venue_id: int
    opens_at: datetime  # the check-in window
    closes_at: datetime
    secret: str  # HMAC key of the rotating kiosk code
    kiosk_token: str  # the kiosk page's address

    @property
    def community(self) -> Unit: ...

    @property
    def venue(self) -> Venue: ...

    @property
    def is_cancelled(self) -> bool: ...

    @property
    def is_closed(self) -> bool:
        """Closed by staff: no more check-ins even inside the window."""

    @property
    def requires_rotating_code(self) -> bool:
        """A printed poster is not enough: the kiosk's changing code must be scanned."""

    @property
    def checkin_column(self) -> str:
        """The column of `Checkin` that names this thing, e.g. "meeting_id"."""

    @property
    def kiosk_ref(self) -> str:
        """How a kiosk code names this thing: "42" for a meeting, a kind's prefix and the id ("a7") otherwise."""

    @property
    def awards_on_checkin(self) -> bool:
        """A meeting awards at check-in; an activity awards later, when staff confirm the hours."""

    @property
    def has_checkout(self) -> bool:
        """Whether a second scan checks out (`Step.OUT`)."""

    @property
    def checkout_closes_at(self) -> datetime:
        """Check-outs are taken from `opens_at` until this moment."""

    @property
    def checkin_key(self) -> str:
        """The stem of the award's idempotency key, e.g. "checkin:meeting:42"."""

    @property
    def earning_action(self) -> EarningAction: ...

    @property
    def earning_points(self) -> int | None:
        """Points for checking in; None lets the community's earning rule decide."""

    @property
    def memo(self) -> str:
        """What the resident's points history says."""

    def why_ineligible(self, resident: Resident) -> str | None:
        """Beyond living in the community with an active account: the refusal's detail, or None if welcome."""
