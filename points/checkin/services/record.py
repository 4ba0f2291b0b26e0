"""Writing the log: a refusal's row, a success's row and its award (the lean path names the row before writing it),
a lost race answered as the winner was."""
from __future__ import annotations

import functools

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ... import events
from ...accounts.models import Resident
from ...db import adopt, db
from ...ledger import services as ledger
from ..checkable import Checkable
from ..models import Checkin, CheckinTicket, Reason, Step
from .attempt import CheckinOutcome, Refused, _Attempt
from .checks import _by_nonce
from .lookup import standing_checkin


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
    row_id = db.session.execute(_insert_statement(db.session.get_bind().dialect.name), values).scalar()
    if row_id is None:
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    row.id = row_id
    adopt(row)
    return True


@functools.cache
def _insert_statement(dialect: str):
    table = Checkin.__table__
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table).on_conflict_do_nothing().returning(table.c.id)


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
