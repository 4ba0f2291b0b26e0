"""`points ledger verify` also checks the check-ins against the ledger: every success credited at most once and
with the points it records, every undo reversed and every reversal of a check-in's award backed by its undo
row, never two standing successes for one resident at one meeting."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..db import db
from ..ledger.models import Posting, Transaction, TransactionKind
from ..ledger.verify import Problem, Report
from .models import Checkin, CheckinUndo


def check_checkins(report: Report) -> None:
    tx = aliased(Transaction)
    credited = (
        select(func.coalesce(func.sum(Posting.amount), 0)).where(Posting.transaction_id == tx.id, Posting.amount > 0)
        .correlate(tx).scalar_subquery()
    )
    rows = db.session.execute(
        select(Checkin.id, Checkin.resident_id, Checkin.points, tx.id, tx.cause_type, tx.cause_id, tx.resident_id, tx.kind,
               credited)
        .outerjoin(tx, tx.id == Checkin.transaction_id)
        .where(Checkin.is_success)
    )
    for checkin_id, resident_id, points, tx_id, cause_type, cause_id, tx_resident, kind, amount in rows:
        if tx_id is None:
            if points:
                report.problems.append(Problem("checkin_unbooked", f"check-in {checkin_id} claims {points} points but has no transaction"))
            continue
        if (cause_type, cause_id, tx_resident, kind) != ("checkin", checkin_id, resident_id, TransactionKind.AWARD.value):
            report.problems.append(Problem("checkin_mismatch", f"check-in {checkin_id} points at transaction {tx_id}, which is not its award", transaction_id=tx_id))
        elif points != amount:
            report.problems.append(Problem("checkin_points_mismatch", f"check-in {checkin_id} records {points} points, its award credited {amount}", transaction_id=tx_id))

    awards = db.session.execute(
        select(Transaction.cause_id, func.count(Transaction.id))
        .where(Transaction.cause_type == "checkin", Transaction.kind == TransactionKind.AWARD.value)
        .group_by(Transaction.cause_id).having(func.count(Transaction.id) > 1)
    )
    for checkin_id, count in awards:
        report.problems.append(Problem("checkin_double_award", f"check-in {checkin_id} was awarded {count} times"))

    reversal = aliased(Transaction)
    undone = db.session.execute(
        select(CheckinUndo.checkin_id, Checkin.transaction_id, CheckinUndo.reversal_id, reversal.reverses_id)
        .join(Checkin, Checkin.id == CheckinUndo.checkin_id)
        .outerjoin(reversal, reversal.id == CheckinUndo.reversal_id)
    )
    for checkin_id, award_id, reversal_id, reverses_id in undone:
        if award_id is not None and (reversal_id is None or reverses_id != award_id):
            report.problems.append(Problem("checkin_undo_unreversed", f"undone check-in {checkin_id} kept its points"))

    # A reversal of a check-in's award stands for an undo: without its undo row the check-in would count again
    # while its points stay reversed.
    award = aliased(Transaction)
    orphans = db.session.execute(
        select(reversal.id, award.cause_id)
        .join(award, award.id == reversal.reverses_id)
        .outerjoin(CheckinUndo, CheckinUndo.reversal_id == reversal.id)
        .where(reversal.kind == TransactionKind.REVERSAL.value, award.cause_type == "checkin", CheckinUndo.id.is_(None))
    )
    for reversal_id, checkin_id in orphans:
        report.problems.append(Problem("checkin_reversal_without_undo", f"the award of check-in {checkin_id} was reversed but the check-in has no undo", transaction_id=reversal_id))

    # Per thing checked into (meeting or activity) and step: a check-in and its check-out are one of each.
    standing = (
        select(Checkin.meeting_id, Checkin.activity_id, Checkin.step, Checkin.resident_id, func.count(Checkin.id))
        .outerjoin(CheckinUndo, CheckinUndo.checkin_id == Checkin.id)
        .where(Checkin.is_success, CheckinUndo.id.is_(None))
        .group_by(Checkin.meeting_id, Checkin.activity_id, Checkin.step, Checkin.resident_id).having(func.count(Checkin.id) > 1)
    )
    for meeting_id, activity_id, step, resident_id, count in db.session.execute(standing):
        where = f"meeting {meeting_id}" if meeting_id is not None else f"activity {activity_id}"
        report.problems.append(Problem("checkin_duplicate", f"resident {resident_id} has {count} standing {step} rows at {where}"))
