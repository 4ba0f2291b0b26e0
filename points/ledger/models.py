"""Accounts, transactions and postings; earning rules and refused awards.

Nothing here is ever updated or deleted except the cached balances on `Account` and the chain head, which
services change in the same database transaction as the postings that justify them.
"""
from __future__ import annotations

import enum
import json
from datetime import date, datetime

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, db, enum_check, utcnow


class AccountKind(enum.StrEnum):
    WALLET = "wallet"  # a resident's spendable points
    ISSUANCE = "issuance"  # the community's source of points; minus its balance = points ever issued
    HOLDS = "holds"  # points held for redemptions awaiting hand-over
    REDEEMED = "redeemed"  # points spent on rewards handed over


class TransactionKind(enum.StrEnum):
    AWARD = "award"  # earned by a rule (suggestion, meeting, volunteering…)
    MANUAL_AWARD = "manual_award"  # awarded by hand by staff, with a reason
    REVERSAL = "reversal"  # undoes exactly one earlier transaction
    HOLD = "hold"  # wallet → holds when a redemption is requested
    SETTLE = "settle"  # holds → redeemed at hand-over
    VOID = "void"  # holds → wallet when a redemption is rejected, cancelled or expires



class Account(db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        enum_check("kind", AccountKind),
        UniqueConstraint("community_id", "kind", "resident_id"),
        # The database itself refuses an overdraft, whatever code path tries it.
        CheckConstraint("kind = 'issuance' OR balance >= 0", name="not_overdrawn"),
        CheckConstraint("(kind = 'wallet') = (resident_id IS NOT NULL)", name="wallet_has_owner"),
        # One community account of each kind; NULL resident_id would escape the unique constraint above.
        Index("uq_accounts_community_kind", "community_id", "kind", unique=True,
              sqlite_where=text("resident_id IS NULL"), postgresql_where=text("resident_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(16))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    # Never falls when points are spent; only a reversal of an award lowers it.
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0)

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.kind} c{self.community_id} r{self.resident_id} {self.balance}>"


class ChainHead(db.Model):
    """The tip of one community's hash chain. Locking this row serialises that community's ledger writes."""

    __tablename__ = "ledger_heads"

    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default="")


class Transaction(db.Model):
    __tablename__ = "ledger_transactions"
    __table_args__ = (UniqueConstraint("community_id", "seq"), enum_check("kind", TransactionKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    # What caused it: ("checkin", 42), ("redemption", 7), ("manual", None)…
    cause_type: Mapped[str] = mapped_column(String(32))
    cause_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    # The resident whose wallet it concerns, so a history page needs no join through postings.
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    action: Mapped[str | None] = mapped_column(String(32))
    memo: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    postings: Mapped[list[Posting]] = relationship(back_populates="transaction", order_by="Posting.account_id")
    actor = relationship("Resident", foreign_keys=[actor_id])
    reverses: Mapped[Transaction | None] = relationship(remote_side=[id], foreign_keys=[reverses_id])

    def amount_for(self, account_id: int) -> int:
        return sum(p.amount for p in self.postings if p.account_id == account_id)


Index("ix_ledger_transactions_resident", Transaction.resident_id, Transaction.id)
Index("ix_ledger_transactions_cause", Transaction.cause_type, Transaction.cause_id)
# The books and the dashboard read a community's window of time; the exports page through it.
Index("ix_ledger_transactions_community_created", Transaction.community_id, Transaction.created_at)


class Posting(db.Model):
    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="nonzero"),
        # A wallet's history, newest first, is a range scan of this index whatever the history's length.
        Index("ix_ledger_postings_account_transaction", "account_id", "transaction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)

    transaction: Mapped[Transaction] = relationship(back_populates="postings")


class EarningRule(db.Model):
    """A community's override of the default amount and caps for one action."""

    __tablename__ = "earning_rules"
    __table_args__ = (
        UniqueConstraint("community_id", "action"),
        CheckConstraint("points >= 0", name="points_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    action: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)
    # Caps count awards per resident; None means no cap.
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    monthly_cap: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))


class RefusedAward(db.Model):
    """An award a rule refused (a cap, usually), kept so nothing is dropped silently."""

    __tablename__ = "refused_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    points: Mapped[int] = mapped_column(Integer)
    reason_code: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    cause_type: Mapped[str] = mapped_column(String(32))
    cause_id: Mapped[int | None] = mapped_column(Integer)
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VerifyRun(db.Model):
    """One run of `points ledger verify`, kept so the public books (明白账) can show the last one."""

    __tablename__ = "ledger_verify_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    is_ok: Mapped[bool] = mapped_column(Boolean)
    transactions: Mapped[int] = mapped_column(Integer, default=0)
    accounts: Mapped[int] = mapped_column(Integer, default=0)
    problem_count: Mapped[int] = mapped_column(Integer, default=0)
    first_problem: Mapped[str] = mapped_column(String(500), default="")
    against: Mapped[str] = mapped_column(String(200), default="")  # the heads file checked with --against, if any
    # The totals verify recomputed from the postings, per community: {"12": {"issued": …, "held": …, …}}.
    totals: Mapped[str] = mapped_column(Text, default="{}")

    def totals_for(self, community_id: int) -> dict[str, int]:
        return json.loads(self.totals or "{}").get(str(community_id), {})


class PublishedHead(db.Model):
    """A community's chain head as published on one local day (sequence and hash). Append-only: a later rewrite
    of history cannot match a head somebody saved, and verify compares every one of them with the chain."""

    __tablename__ = "ledger_published_heads"
    __table_args__ = (UniqueConstraint("community_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    day: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HourlyTotal(db.Model):
    """The net of one community account's postings in one UTC hour (issuance, holds, redeemed), kept by `book` in
    the same transaction as the postings and checked by verify, so the public books and the dashboard read a
    month without scanning its postings. Hours in UTC fit any whole-hour local zone (Asia/Shanghai)."""

    __tablename__ = "ledger_hourly_totals"
    __table_args__ = (enum_check("kind", AccountKind),)

    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    hour: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)


class PendingAwardState(enum.StrEnum):
    PENDING = "pending"  # waiting for a second staff member
    CONFIRMED = "confirmed"  # booked as a manual award
    REJECTED = "rejected"


class PendingAward(db.Model):
    """A manual award above the community's threshold (双人复核): nothing is booked until a second staff member
    confirms it; then it is booked under its own idempotency key. Only its state and decision ever change."""

    __tablename__ = "pending_awards"
    __table_args__ = (
        enum_check("state", PendingAwardState),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500))
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=PendingAwardState.PENDING.value)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
