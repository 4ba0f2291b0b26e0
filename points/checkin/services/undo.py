"""Undoing a mistaken check-in: the points are reversed in the same transaction, and the undo is logged."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import require, require_not_self
from ...db import db, transaction, utcnow
from ...ledger import services as ledger
from ...ledger.models import Transaction
from ...ledger.services import AlreadyReversed, ReasonRequired
from ..models import Checkin, CheckinUndo
from .errors import UndoError

ALREADY_UNDONE = _l("This check-in has already been undone.")


@transaction
def undo_checkin(checkin: Checkin, *, staff: Resident, reason: str, now: datetime | None = None) -> CheckinUndo:
    """Staff take back a mistaken check-in: its points are reversed in the same transaction, and it is logged."""
    meeting, target = checkin.meeting, checkin.target  # the target: the meeting, or a volunteer activity
    require(staff, Role.STAFF, target.community if target is not None else None)
    if not checkin.is_success:
        raise UndoError(code="not_a_checkin")
    require_not_self(staff, checkin.resident)
    if not reason or not reason.strip():
        raise ReasonRequired(field="reason")
    if db.session.scalar(select(CheckinUndo.id).where(CheckinUndo.checkin_id == checkin.id)) is not None:
        raise UndoError(ALREADY_UNDONE, code="already_undone")
    now = now or utcnow()
    # The undo row first: it is what lets the reversal of a check-in's award through (`_only_by_undo`), and
    # its unique index settles two undos racing.
    undo = CheckinUndo(checkin_id=checkin.id, actor_id=staff.id, reason=reason.strip()[:500], created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(undo)
    except IntegrityError:
        raise UndoError(ALREADY_UNDONE, code="already_undone") from None
    if checkin.transaction_id is not None:
        original = db.session.get(Transaction, checkin.transaction_id)
        try:
            undo.reversal_id = ledger.reverse(original, actor=staff, reason=reason.strip(), now=now).id
        except AlreadyReversed:
            raise UndoError(ALREADY_UNDONE, code="already_undone") from None
        db.session.flush()
    db.session.expire(checkin, ["undo"])
    events.checkin_undone.send("checkin", undo=undo, checkin=checkin, meeting=meeting, resident=checkin.resident,
                               actor=staff, now=now)
    return undo




@events.in_transaction(events.points_reversed)
def _only_by_undo(sender: str, *, original: Transaction, **_: object) -> None:
    """A check-in's points are taken back by undoing the check-in, never by reversing its award alone: the
    check-in would count while its points were gone (and verify could not tell it from a deleted undo)."""
    if original.cause_type != "checkin" or original.cause_id is None:
        return
    if db.session.scalar(select(CheckinUndo.id).where(CheckinUndo.checkin_id == original.cause_id)) is None:
        raise UndoError(_l("Undo the check-in instead: its points are reversed with it."), code="undo_checkin_instead")
