"""Standing hears the ledger: an award may complete a badge, granted in the award's own transaction."""
from __future__ import annotations

from .. import events
from .badges import grant_for_award


@events.in_transaction(events.points_awarded)
def badges_on_award(sender, *, transaction, now, awards_of_action=None, **_payload) -> None:
    if transaction.resident_id is not None and transaction.action:
        grant_for_award(transaction, now=now, awards_of_action=awards_of_action)
