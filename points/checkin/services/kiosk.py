"""What the kiosk at the venue shows now: the rotating code of this slot, the window's state, the live count.
Any `Checkable` has a kiosk: a meeting, or a thing of a registered kind (a volunteer activity), found by its
kiosk address through `checkable_by_kiosk_token`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...db import utcnow
from .. import codes
from ..checkable import Checkable
from .meetings import attendance_count


@dataclass(frozen=True)
class KioskState:
    state: str  # "before" the window, "open", or "over"
    why_over: str  # "cancelled", "closed" (by staff or by the clock), or "" while not over
    slot: int
    code: str  # the rotating code of `slot`; empty unless open
    count: int  # residents checked in, undone ones not counted
    seconds_left: float  # in this slot
    now: datetime
    opens_at: datetime


def kiosk_state(meeting: Checkable, *, now: datetime | None = None) -> KioskState:
    now = now or utcnow()
    slot = codes.slot_at(now)
    if meeting.is_cancelled:
        state, why_over = "over", "cancelled"
    elif meeting.is_closed or now >= max(meeting.closes_at, meeting.checkout_closes_at):
        state, why_over = "over", "closed"
    elif now < meeting.opens_at:
        state, why_over = "before", ""
    else:
        state, why_over = "open", ""
    return KioskState(
        state=state, why_over=why_over, slot=slot,
        code=codes.kiosk_code(meeting.kiosk_ref, meeting.secret, slot) if state == "open" else "",
        count=attendance_count(meeting), seconds_left=codes.seconds_left_in_slot(now), now=now, opens_at=meeting.opens_at,
    )
