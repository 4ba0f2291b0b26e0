"""Reading the books: wallets, balances, history, refused awards."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ...accounts.models import Resident
from ...db import db
from ..models import Account, AccountKind, Posting, RefusedAward, Transaction, TransactionKind


def wallet_of(resident: Resident) -> Account | None:
    return db.session.scalar(
        select(Account).where(
            Account.community_id == resident.community_id,
            Account.kind == AccountKind.WALLET.value,
            Account.resident_id == resident.id,
        )
    )


def get_transaction(transaction_id: int) -> Transaction | None:
    return db.session.get(Transaction, transaction_id)


def balance_of(resident: Resident) -> int:
    account = wallet_of(resident)
    return account.balance if account else 0


def community_account(community_id: int, kind: AccountKind) -> Account | None:
    return db.session.scalar(
        select(Account).where(
            Account.community_id == community_id, Account.kind == kind.value, Account.resident_id.is_(None)
        )
    )


def history_of(resident: Resident, *, limit: int = 20, before_id: int | None = None) -> list[HistoryLine]:
    """The resident's wallet movements, newest first, in one query whatever the history's length."""
    wallet = wallet_of(resident)
    if wallet is None:
        return []
    actor = aliased(Resident)
    stmt = (
        select(Transaction, Posting.amount, actor.name)
        .join(Posting, Posting.transaction_id == Transaction.id)
        .outerjoin(actor, actor.id == Transaction.actor_id)
        .where(Posting.account_id == wallet.id)
        .order_by(Transaction.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        stmt = stmt.where(Transaction.id < before_id)
    rows = list(db.session.execute(stmt))
    closed = _closing_kinds([tx for tx, _, _ in rows if tx.kind == TransactionKind.HOLD.value])
    return [HistoryLine(tx, amount, actor_name, closed.get(tx.id)) for tx, amount, actor_name in rows]


def _closing_kinds(holds: list[Transaction]) -> dict[int, str]:
    """hold id -> "settle" or "void" for the holds on a page that were closed: a hold line then says "redeemed"
    instead of "reserved" (one query for the page)."""
    if not holds:
        return {}
    causes = {(h.cause_type, h.cause_id): h.id for h in holds}
    # In order, so that a settle undone (a reversal with the hold's cause, `reopen`) leaves the hold open again.
    stmt = select(Transaction.cause_type, Transaction.cause_id, Transaction.kind).where(
        Transaction.kind.in_([TransactionKind.SETTLE.value, TransactionKind.VOID.value, TransactionKind.REVERSAL.value]),
        Transaction.community_id.in_({h.community_id for h in holds}),
        Transaction.cause_id.in_({h.cause_id for h in holds if h.cause_id is not None}),
    ).order_by(Transaction.id)
    closed: dict[int, str] = {}
    for cause_type, cause_id, kind in db.session.execute(stmt):
        hold_id = causes.get((cause_type, cause_id))
        if hold_id is None:
            continue
        if kind == TransactionKind.REVERSAL.value:
            closed.pop(hold_id, None)
        else:
            closed[hold_id] = kind
    return closed


@dataclass(frozen=True)
class HistoryLine:
    transaction: Transaction
    amount: int
    actor_name: str | None
    closed_by: str | None = None  # for a hold: "settle" once redeemed, "void" once returned


def refusals_of(resident: Resident, *, limit: int = 5) -> list[RefusedAward]:
    return list(
        db.session.scalars(
            select(RefusedAward).where(
                RefusedAward.resident_id == resident.id,
                # booked later under the same key (the account was confirmed): no longer "not counted"
                ~exists().where(Transaction.idempotency_key == RefusedAward.idempotency_key),
            ).order_by(RefusedAward.id.desc()).limit(limit)
        )
    )
