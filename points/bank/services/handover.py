"""Taking a hand-over back (撤销交付): for a mistake seen at the desk — the wrong person's code, the wrong row
confirmed — staff return the redemption to ready-to-collect within HANDOVER_UNDO_MINUTES of the hand-over.

Why minutes and not the rest of the day: an undo says "this was not handed over". Right after the hand-over the
resident and the item are still at the counter, so that is checkable; hours later the item may have left with
someone, and putting it back on the books is a stock count's correction, not an undo button. The ledger keeps
every step: the settle stays, its mirror image (`ledger.reopen`) moves the points from redeemed back to holds, so
the hold is open again and closes once more by hand-over, cancellation or expiry.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...errors import DomainError
from ...ledger import services as ledger
from ...ledger.models import Transaction, TransactionKind
from ...ledger.services import ReasonRequired
from ...units.models import Unit
from ..models import HANDOVER_UNDO_MINUTES, Redemption, RedemptionState, StockKind
from .errors import WrongState
from .redemptions import _lock, _move_stock, _own


class UndoWindowClosed(DomainError):
    code = "undo_window_closed"
    message = _l("A hand-over can be taken back only within %(n)d minutes.", n=HANDOVER_UNDO_MINUTES)


def undo_deadline(redemption: Redemption) -> datetime | None:
    """Until when the hand-over of `redemption` can be taken back; None if it is not handed over."""
    if redemption.status != RedemptionState.FULFILLED or redemption.closed_at is None:
        return None
    return redemption.closed_at + timedelta(minutes=HANDOVER_UNDO_MINUTES)


def can_undo_handover(redemption: Redemption, *, now: datetime | None = None) -> bool:
    deadline = undo_deadline(redemption)
    return deadline is not None and (now or utcnow()) < deadline


def recently_handed_over(community_ids: list[int], *, now: datetime | None = None, limit: int = 20) -> list[Redemption]:
    """Hand-overs that can still be taken back, newest first (resident and reward loaded with them)."""
    if not community_ids:
        return []
    since = (now or utcnow()) - timedelta(minutes=HANDOVER_UNDO_MINUTES)
    return list(db.session.scalars(
        select(Redemption).where(
            Redemption.community_id.in_(community_ids), Redemption.state == RedemptionState.FULFILLED.value,
            Redemption.closed_at > since,
        ).options(selectinload(Redemption.resident), selectinload(Redemption.reward))
        .order_by(Redemption.closed_at.desc(), Redemption.id.desc()).limit(limit)
    ))


@transaction
def undo_handover(redemption: Redemption, *, staff: Resident, reason: str, now: datetime | None = None) -> Redemption:
    """Back to ready-to-collect, pickup code unchanged: the unit is held on the shelf again and the points are
    held again (the settle's mirror image). Staff of the community, not on their own redemption, with a reason,
    within the window. Locks: the redemption, then the community's chain head (in the ledger)."""
    now = now or utcnow()
    redemption = _lock(redemption)
    require(staff, Role.STAFF, db.session.get(Unit, redemption.community_id))
    _own(redemption, staff)
    if redemption.status != RedemptionState.FULFILLED:
        raise WrongState(_l("This reward has not been handed over."), code="not_handed_over", state=redemption.state)
    if not (reason or "").strip():
        raise ReasonRequired(field="reason")
    if not can_undo_handover(redemption, now=now):
        raise UndoWindowClosed()
    _move_stock(redemption, StockKind.UNSETTLE, actor=staff, now=now)
    ledger.reopen(_standing_settle(redemption), actor=staff, reason=reason.strip(), now=now)
    redemption.state = RedemptionState.APPROVED.value
    redemption.closed_at = redemption.closed_by_id = None
    db.session.flush()
    events.redemption_handover_undone.send("bank", redemption=redemption, actor=staff, reason=reason.strip(), now=now)
    return redemption


def _standing_settle(redemption: Redemption) -> Transaction:
    """The settle of the redemption's hold that no reversal has undone (the latest one)."""
    settle = db.session.scalars(select(Transaction).where(
        Transaction.community_id == redemption.community_id, Transaction.cause_type == "redemption",
        Transaction.cause_id == redemption.id, Transaction.kind == TransactionKind.SETTLE.value,
    ).order_by(Transaction.id.desc())).first()
    assert settle is not None, f"redemption {redemption.id} is handed over without a settle"
    return settle
