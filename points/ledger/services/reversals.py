"""Reversals: a mistake is fixed by the mirror image of the transaction, never by an edit."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import Actor, require, require_not_self
from ...db import db, transaction, utcnow
from ...units.models import Unit
from ..models import Transaction, TransactionKind
from .booking import book, booked_under, lock_head
from .errors import AlreadyReversed, NotReversible, ReasonRequired


REVERSIBLE = (TransactionKind.AWARD, TransactionKind.MANUAL_AWARD)


@transaction
def reverse(original: Transaction, *, actor: Actor, reason: str, now: datetime | None = None) -> Transaction:
    """Undo an award with its mirror image, at most once. Holds are undone by `void`, never reversed.

    `actor` is `SYSTEM` for a service undoing its own award; a person must be staff of the community and may not
    correct an entry of their own.
    """
    if TransactionKind(original.kind) not in REVERSIBLE:
        raise NotReversible()
    if not reason or not reason.strip():
        raise ReasonRequired()
    if original.resident_id is not None:
        require_not_self(actor, db.session.get(Resident, original.resident_id),
                         message=_l("Staff cannot correct their own points."))
    require(actor, Role.STAFF, db.session.get(Unit, original.community_id))
    head = lock_head(original.community_id)
    if booked_under(f"reversal:{original.id}") is not None:
        raise AlreadyReversed()
    lines = [(p.account_id, -p.amount) for p in original.postings]
    tx = book(
        head, kind=TransactionKind.REVERSAL, key=f"reversal:{original.id}", lines=lines,
        cause=(original.cause_type, original.cause_id), actor=actor, resident_id=original.resident_id,
        action=original.action, memo=original.memo, reason=reason.strip(), reverses=original, now=now or utcnow(),
    )
    events.points_reversed.send("ledger", transaction=tx, original=original, actor=actor, now=tx.created_at,
                                resident=db.session.get(Resident, original.resident_id) if original.resident_id else None)
    return tx
