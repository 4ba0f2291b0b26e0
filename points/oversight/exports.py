"""What staff export for a period within their own communities: transactions, attendance, redemptions, volunteer
hours and proposals.

Each export is a generator that reads in batches by id (keyset), so a download of any length keeps memory flat;
`points.exports` writes it as streamed CSV or as .xlsx.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from .. import clock
from ..accounts.models import Resident
from ..bank.models import Redemption, Reward
from ..checkin.models import Checkin, CheckinUndo, Meeting
from ..db import db
from ..ledger.models import Account, AccountKind, Posting, Transaction
from ..proposals.models import Category, Proposal, ProposalState, Rating
from ..units.models import Unit
from ..volunteering.models import Activity, RecordStatus, ServiceRecord

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

def volunteer_hours(community_id: int, start: datetime, end: datetime) -> Iterator[list]:
    """Every service record whose service ended in the period, confirmed or not (the hours confirmed apart)."""
    stmt = (
        select(ServiceRecord.id, Activity.title, Resident.name, Resident.member_code, ServiceRecord.started_at,
               ServiceRecord.ended_at, ServiceRecord.minutes, ServiceRecord.confirmed_minutes, ServiceRecord.status,
               ServiceRecord.points, ServiceRecord.confirmed_at, ServiceRecord.is_backfilled, ServiceRecord.note)
        .join(Activity, Activity.id == ServiceRecord.activity_id)
        .join(Resident, Resident.id == ServiceRecord.resident_id)
        .where(ServiceRecord.community_id == community_id, ServiceRecord.ended_at >= start, ServiceRecord.ended_at < end)
    )
    for r in _batches(stmt, ServiceRecord.id):
        confirmed = r.status == RecordStatus.CONFIRMED.value
        yield [r.id, r.title, r.name, r.member_code, _when(r.started_at), _when(r.ended_at), round(r.minutes / 60, 2),
               round((r.confirmed_minutes or 0) / 60, 2) if confirmed else "", r.status, r.points,
               _when(r.confirmed_at), "yes" if r.is_backfilled else "", r.note]


VOLUNTEER_HOURS_HEADER = (_l("Id"), _l("Activity"), _l("Resident"), _l("Member code"), _l("Started"), _l("Ended"),
                          _l("Hours recorded (h)"), _l("Hours confirmed (h)"), _l("State"), _l("Points"), _l("Confirmed at"),
                          _l("Back-filled"), _l("Note"))


def proposals(community_id: int, start: datetime, end: datetime) -> Iterator[list]:
    """Every case made in the period or concluded (done or archived) in it, with where it stands now (一事一档's
    ledger): staff see the proposer of an anonymous suggestion, as on their pages."""
    def in_window(column):
        return and_(column >= start, column < end)

    def of_ratings(value):  # per case, through the index on the rating's case
        return select(value).where(Rating.proposal_id == Proposal.id).scalar_subquery()

    stmt = (
        select(Proposal.id, Proposal.title, Category.name.label("category"), Unit.name.label("unit"),
               Resident.name, Proposal.is_anonymous, Proposal.submitted_at, Proposal.state, Proposal.screened_at,
               Proposal.is_passed, Proposal.votes_for, Proposal.votes_against, Proposal.votes_abstain,
               Proposal.owner_kind, Proposal.owner_name, Proposal.due_on, Proposal.done_at,
               of_ratings(func.count(Rating.id)).label("rating_count"),
               of_ratings(func.avg(Rating.stars)).label("rating_average"), Proposal.archived_at, Proposal.screening_due_at)
        .join(Resident, Resident.id == Proposal.proposer_id)
        .join(Unit, Unit.id == Proposal.unit_id)
        .outerjoin(Category, Category.id == Proposal.category_id)
        .where(Proposal.community_id == community_id,
               or_(in_window(Proposal.submitted_at), in_window(Proposal.done_at), in_window(Proposal.archived_at)))
    )
    now = clock.now()
    today = clock.local_date(now)
    for r in _batches(stmt, Proposal.id):
        state = ProposalState(r.state)
        overdue = (state == ProposalState.SUBMITTED and r.screening_due_at <= now) or (
            state == ProposalState.IMPLEMENTING and r.due_on is not None and r.due_on < today)
        yield [r.id, r.title, r.category or "", r.unit, r.name, "yes" if r.is_anonymous else "", _when(r.submitted_at),
               state.label, _when(r.screened_at), "" if r.is_passed is None else ("yes" if r.is_passed else "no"),
               r.votes_for, r.votes_against, r.votes_abstain, r.owner_kind or "", r.owner_name,
               r.due_on.isoformat() if r.due_on else "", _when(r.done_at), r.rating_count or 0,
               round(float(r.rating_average), 2) if r.rating_average is not None else "", _when(r.archived_at), "yes" if overdue else ""]


PROPOSALS_HEADER = (_l("Id"), _l("Proposal title"), _l("Category"), _l("Affected unit"), _l("Proposer"), _l("Made anonymously"),
                    _l("Submitted"), _l("Stage"), _l("Screened"), _l("Passed"), _l("Votes for"), _l("Votes against"),
                    _l("Abstentions"), _l("Owner kind"), _l("Owner"), _l("Deadline"), _l("Done at"), _l("Number of ratings"),
                    _l("Average rating"), _l("Archived at"), _l("Overdue"))

EXPORTS = {
    "transactions": (_l("Transactions"), TRANSACTIONS_HEADER, transactions),
    "attendance": (_l("Attendance"), ATTENDANCE_HEADER, attendance),
    "redemptions": (_l("Redemptions"), REDEMPTIONS_HEADER, redemptions),
    "volunteer-hours": (_l("Volunteer hours"), VOLUNTEER_HOURS_HEADER, volunteer_hours),
    "proposals": (_l("Proposals"), PROPOSALS_HEADER, proposals),
}
