"""Reading the books: wallets, balances, history, refused awards."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from ...accounts.models import Resident
from ...db import db
from ..models import Account, AccountKind, RefusedAward, Transaction, Posting


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
    return [HistoryLine(tx, amount, actor_name) for tx, amount, actor_name in db.session.execute(stmt)]


@dataclass(frozen=True)
class HistoryLine:
    transaction: Transaction
    amount: int
    actor_name: str | None


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
