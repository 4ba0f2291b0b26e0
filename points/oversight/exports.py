"""What staff export for a period within their own communities: transactions, attendance and redemptions.

Each export is a generator that reads in batches by id (keyset), so a download of any length keeps memory flat;
`points.exports` writes it as streamed CSV or as .xlsx.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from .. import clock
from ..accounts.models import Resident
from ..bank.models import Redemption, Reward
from ..checkin.models import Checkin, CheckinUndo, Meeting
from ..db import db
from ..ledger.models import Account, AccountKind, Posting, Transaction

BATCH = 2000


def _when(moment: datetime | None) -> str:
    return clock.local(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _batches(stmt, id_column) -> Iterator:
    after = 0
    while True:
        rows = db.session.execute(stmt.where(id_column > after).order_by(id_column).limit(BATCH)).all()
        if not rows:
            return
        yield from rows
        after = rows[-1][0]


def transactions(community_id: int, start: datetime, end: datetime) -> Iterator[list]:
    wallet = aliased(Account)
    stmt = (
        select(Transaction.id, Transaction.seq, Transaction.created_at, Transaction.kind, Transaction.action,
               Resident.name, Resident.member_code, Posting.amount, Transaction.memo, Transaction.reason, Transaction.hash)
        .outerjoin(wallet, and_(wallet.community_id == Transaction.community_id, wallet.kind == AccountKind.WALLET.value,
                                wallet.resident_id == Transaction.resident_id))
        .outerjoin(Posting, and_(Posting.transaction_id == Transaction.id, Posting.account_id == wallet.id))
        .outerjoin(Resident, Resident.id == Transaction.resident_id)
        .where(Transaction.community_id == community_id, Transaction.created_at >= start, Transaction.created_at < end)
    )
    for r in _batches(stmt, Transaction.id):
        yield [r.id, r.seq, _when(r.created_at), r.kind, r.action or "", r.name or "", r.member_code or "",
               r.amount if r.amount is not None else "", r.memo, r.reason, r.hash]


TRANSACTIONS_HEADER = (_l("Id"), _l("Sequence"), _l("Time"), _l("Kind"), _l("Action"), _l("Resident"), _l("Member code"),
                       _l("Points to the wallet"), _l("Memo"), _l("Reason"), _l("Hash"))


def attendance(community_id: int, start: datetime, end: datetime) -> Iterator[list]:
    stmt = (
        select(Checkin.id, Meeting.title, Meeting.starts_at, Resident.name, Resident.member_code, Checkin.route,
               Checkin.points, Checkin.created_at, CheckinUndo.id.label("undo_id"))
        .join(Meeting, Meeting.id == Checkin.meeting_id)
        .join(Resident, Resident.id == Checkin.resident_id)
        .outerjoin(CheckinUndo, CheckinUndo.checkin_id == Checkin.id)
        .where(Meeting.community_id == community_id, Checkin.is_success.is_(True),
               Meeting.starts_at >= start, Meeting.starts_at < end)
    )
    for r in _batches(stmt, Checkin.id):
        yield [r.id, r.title, _when(r.starts_at), r.name, r.member_code, r.route, r.points, _when(r.created_at),
               "undone" if r.undo_id else ""]


ATTENDANCE_HEADER = (_l("Id"), _l("Meeting"), _l("Starts"), _l("Resident"), _l("Member code"), _l("Route"), _l("Points"),
                     _l("Checked in at"), _l("Undone"))


def redemptions(community_id: int, start: datetime, end: datetime) -> Iterator[list]:
    stmt = (
        select(Redemption.id, Reward.name.label("reward"), Resident.name, Resident.member_code, Redemption.points,
               Redemption.state, Redemption.requested_at, Redemption.closed_at)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(Resident, Resident.id == Redemption.resident_id)
        .where(Redemption.community_id == community_id, Redemption.requested_at >= start, Redemption.requested_at < end)
    )
    for r in _batches(stmt, Redemption.id):
        yield [r.id, r.reward, r.name, r.member_code, r.points, r.state, _when(r.requested_at), _when(r.closed_at)]


REDEMPTIONS_HEADER = (_l("Id"), _l("Reward"), _l("Resident"), _l("Member code"), _l("Points"), _l("State"),
                      _l("Requested"), _l("Closed at"))

EXPORTS = {
    "transactions": (_l("Transactions"), TRANSACTIONS_HEADER, transactions),
    "attendance": (_l("Attendance"), ATTENDANCE_HEADER, attendance),
    "redemptions": (_l("Redemptions"), REDEMPTIONS_HEADER, redemptions),
}
