"""Ledger operations: the only code that writes postings or changes a balance.

Write protocol, the same for every kind of transaction, inside the caller's one database transaction:
1. lock the community's chain head (SELECT … FOR UPDATE on PostgreSQL; SQLite is already under BEGIN IMMEDIATE);
2. if the idempotency key is already booked, return that transaction (a replay books nothing);
3. change each cached balance by a conditional UPDATE whose WHERE refuses an overdraft, checking rowcount;
4. insert the transaction, chained by hash to the previous one, and its postings; move the head.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from ..accounts.models import Resident, Role
from ..accounts.permissions import has_role
from ..db import db, transaction, utcnow
from ..errors import DomainError, NotAllowed
from ..units.models import Unit
from .models import (
    Account,
    AccountKind,
    Action,
    ChainHead,
    EarningRule,
    Posting,
    RefusedAward,
    Transaction,
    TransactionKind,
)
from .rules import rule_for

LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # caps count calendar days as residents live them


class InsufficientPoints(DomainError):
    code = "insufficient_points"
    message = _l("Not enough points.")


class AlreadyReversed(DomainError):
    code = "already_reversed"
    message = _l("This entry has already been reversed.")


class NotReversible(DomainError):
    code = "not_reversible"
    message = _l("This entry cannot be reversed.")


class KeyReused(DomainError):
    code = "key_reused"
    message = _l("This was already recorded differently. Please reload the page and check before trying again.")


class NotAHold(DomainError):
    code = "not_a_hold"
    message = _l("Only held points can be settled or returned.")


class HoldClosed(DomainError):
    code = "hold_closed"
    message = _l("These held points were already settled or returned.")


class InvalidAmount(DomainError):
    code = "invalid_amount"
    message = _l("The number of points must be a whole number greater than zero.")


class ReasonRequired(DomainError):
    code = "reason_required"
    message = _l("Please give a reason.")


@dataclass(frozen=True)
class AwardOutcome:
    """What `award` did: booked a transaction, or refused and recorded why."""

    transaction: Transaction | None = None
    refusal: RefusedAward | None = None

    @property
    def awarded(self) -> bool:
        return self.transaction is not None

    @property
    def points(self) -> int:
        """Points credited to the wallet (0 when refused)."""
        if self.transaction is None:
            return 0
        return sum(p.amount for p in self.transaction.postings if p.amount > 0)


# ---------------------------------------------------------------------------------------------------------
# Reading


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


# ---------------------------------------------------------------------------------------------------------
# Writing


@transaction
def award(
    resident: Resident,
    action: Action,
    *,
    key: str,
    cause: tuple[str, int | None],
    memo: str = "",
    points: int | None = None,
    actor: Resident | None = None,
    now: datetime | None = None,
) -> AwardOutcome:
    """Award points for `action` under the community's rule and caps. A capped award is refused and recorded."""
    now = now or utcnow()
    community_id = resident.community_id
    head = _lock_head(community_id)
    booked = _replayed(key, kind=TransactionKind.AWARD, resident_id=resident.id)
    if booked is not None:
        return AwardOutcome(transaction=booked)
    refused = db.session.scalar(select(RefusedAward).where(RefusedAward.idempotency_key == key))
    if refused is not None:
        if refused.resident_id != resident.id:
            raise KeyReused()
        return AwardOutcome(refusal=refused)

    rule = rule_for(community_id, action)
    amount = rule.points if points is None else points
    reason_code = None
    if amount <= 0:
        reason_code = "rule_disabled"
    elif not resident.is_active_account:
        reason_code = "inactive_resident"
    elif rule.daily_cap is not None and _awards_since(resident, action, _day_start(now)) >= rule.daily_cap:
        reason_code = "daily_cap"
    elif rule.monthly_cap is not None and _awards_since(resident, action, _month_start(now)) >= rule.monthly_cap:
        reason_code = "monthly_cap"
    if reason_code is not None:
        refusal = RefusedAward(
            community_id=community_id, resident_id=resident.id, action=action.value, points=max(amount, 0),
            reason_code=reason_code, idempotency_key=key, cause_type=cause[0], cause_id=cause[1], memo=memo,
            created_at=now,
        )
        db.session.add(refusal)
        db.session.flush()
        return AwardOutcome(refusal=refusal)

    issuance, wallet = _accounts(community_id, (AccountKind.ISSUANCE, None), (AccountKind.WALLET, resident.id))
    tx = _book(
        head, kind=TransactionKind.AWARD, key=key, lines=[(issuance, -amount), (wallet, amount)],
        kinds={issuance: AccountKind.ISSUANCE, wallet: AccountKind.WALLET},
        cause=cause, actor=actor, resident=resident, action=action, memo=memo, now=now,
    )
    return AwardOutcome(transaction=tx)


@transaction
def award_manually(
    resident: Resident, points: int, *, staff: Resident, reason: str, key: str, now: datetime | None = None
) -> Transaction:
    """Staff of the resident's community award points by hand, always with a reason, never to themselves."""
    if staff.id == resident.id:
        raise NotAllowed(_l("Staff cannot award points to themselves."), code="own_account")
    if not has_role(staff, Role.STAFF, resident.community):
        raise NotAllowed()
    if not isinstance(points, int) or points <= 0:
        raise InvalidAmount()
    if not reason or not reason.strip():
        raise ReasonRequired()
    community_id = resident.community_id
    head = _lock_head(community_id)
    booked = _replayed(key, kind=TransactionKind.MANUAL_AWARD, resident_id=resident.id, amount=points)
    if booked is not None:
        return booked
    issuance, wallet = _accounts(community_id, (AccountKind.ISSUANCE, None), (AccountKind.WALLET, resident.id))
    return _book(
        head, kind=TransactionKind.MANUAL_AWARD, key=key, lines=[(issuance, -points), (wallet, points)],
        kinds={issuance: AccountKind.ISSUANCE, wallet: AccountKind.WALLET},
        cause=("manual", None), actor=staff, resident=resident, action=None, memo="", reason=reason.strip(),
        now=now or utcnow(),
    )


REVERSIBLE = (TransactionKind.AWARD, TransactionKind.MANUAL_AWARD)


@transaction
def reverse(original: Transaction, *, actor: Resident | None, reason: str, now: datetime | None = None) -> Transaction:
    """Undo an award with its mirror image, at most once. Holds are undone by `void`, never reversed.

    `actor` None is the system itself (a service undoing its own award); a person must be staff of the
    community and may not correct an entry of their own.
    """
    if TransactionKind(original.kind) not in REVERSIBLE:
        raise NotReversible()
    if not reason or not reason.strip():
        raise ReasonRequired()
    if actor is not None:
        if original.resident_id == actor.id:
            raise NotAllowed(_l("Staff cannot correct their own points."), code="own_account")
        if not has_role(actor, Role.STAFF, db.session.get(Unit, original.community_id)):
            raise NotAllowed()
    head = _lock_head(original.community_id)
    if _booked(f"reversal:{original.id}") is not None:
        raise AlreadyReversed()
    lines = [(p.account_id, -p.amount) for p in original.postings]
    return _book(
        head, kind=TransactionKind.REVERSAL, key=f"reversal:{original.id}", lines=lines,
        cause=(original.cause_type, original.cause_id), actor=actor, resident_id=original.resident_id,
        action=original.action, memo=original.memo, reason=reason.strip(), reverses=original, now=now or utcnow(),
    )


@transaction
def hold(
    resident: Resident, points: int, *, key: str, cause: tuple[str, int | None], memo: str = "",
    actor: Resident | None = None, now: datetime | None = None,
) -> Transaction:
    """Move points from the wallet into the community's holds (a redemption was asked for)."""
    if not isinstance(points, int) or points <= 0:
        raise InvalidAmount()
    community_id = resident.community_id
    head = _lock_head(community_id)
    booked = _replayed(key, kind=TransactionKind.HOLD, resident_id=resident.id, amount=points)
    if booked is not None:
        return booked
    wallet, holds = _accounts(community_id, (AccountKind.WALLET, resident.id), (AccountKind.HOLDS, None))
    return _book(
        head, kind=TransactionKind.HOLD, key=key, lines=[(wallet, -points), (holds, points)],
        kinds={wallet: AccountKind.WALLET, holds: AccountKind.HOLDS},
        cause=cause, actor=actor or resident, resident=resident, memo=memo, now=now or utcnow(),
    )


@transaction
def settle(held: Transaction, *, actor: Resident | None = None, now: datetime | None = None) -> Transaction:
    """The held points become redeemed (the reward was handed over). Closes the hold for good."""
    return _close_hold(held, TransactionKind.SETTLE, actor=actor, reason="", now=now)


@transaction
def void(held: Transaction, *, actor: Resident | None = None, reason: str = "", now: datetime | None = None) -> Transaction:
    """The held points go back to the wallet (rejected, cancelled or expired). Closes the hold for good."""
    return _close_hold(held, TransactionKind.VOID, actor=actor, reason=reason, now=now)


def _close_hold(
    held: Transaction, kind: TransactionKind, *, actor: Resident | None, reason: str, now: datetime | None
) -> Transaction:
    if held.kind != TransactionKind.HOLD:
        raise NotAHold()
    head = _lock_head(held.community_id)
    # One key per hold, whichever way it closes: a hold can be settled or voided, once.
    key = f"hold:{held.id}:closed"
    booked = _booked(key)
    if booked is not None:
        if booked.kind != kind:
            raise HoldClosed()
        return booked
    points = sum(p.amount for p in held.postings if p.amount > 0)
    wallet = next(p.account_id for p in held.postings if p.amount < 0)
    holds, redeemed = _accounts(held.community_id, (AccountKind.HOLDS, None), (AccountKind.REDEEMED, None))
    settling = kind == TransactionKind.SETTLE
    destination = redeemed if settling else wallet
    return _book(
        head, kind=kind, key=key, lines=[(holds, -points), (destination, points)],
        kinds={holds: AccountKind.HOLDS, destination: AccountKind.REDEEMED if settling else AccountKind.WALLET},
        cause=(held.cause_type, held.cause_id), actor=actor, resident_id=held.resident_id, memo=held.memo,
        reason=reason, now=now or utcnow(),
    )


# ---------------------------------------------------------------------------------------------------------
# The booking machinery


def _lock_head(community_id: int) -> ChainHead:
    stmt = select(ChainHead).where(ChainHead.community_id == community_id).with_for_update()
    head = db.session.scalar(stmt)
    if head is None:
        db.session.execute(_insert_ignore(ChainHead, community_id=community_id, seq=0, last_hash=""))
        head = db.session.scalar(stmt.execution_options(populate_existing=True))
    return head


def _booked(key: str) -> Transaction | None:
    return db.session.scalar(select(Transaction).where(Transaction.idempotency_key == key))


def _replayed(key: str, *, kind: TransactionKind, resident_id: int, amount: int | None = None) -> Transaction | None:
    """The transaction already booked under `key`, if it is this same request again; a different request
    that reuses the key is an error, never silently answered with somebody else's transaction."""
    booked = _booked(key)
    if booked is None:
        return None
    same_amount = amount is None or sum(p.amount for p in booked.postings if p.amount > 0) == amount
    if booked.kind != kind or booked.resident_id != resident_id or not same_amount:
        raise KeyReused()
    return booked


def _accounts(community_id: int, *wanted: tuple[AccountKind, int | None]) -> list[int]:
    """The ids of the community's accounts of these (kind, resident) pairs, created where missing; one
    query when they all exist (the usual case)."""

    def find() -> dict[tuple[str, int | None], int]:
        conditions = [
            (Account.kind == kind.value)
            & (Account.resident_id == resident_id if resident_id else Account.resident_id.is_(None))
            for kind, resident_id in wanted
        ]
        rows = db.session.execute(
            select(Account.id, Account.kind, Account.resident_id).where(Account.community_id == community_id, or_(*conditions))
        )
        return {(row.kind, row.resident_id): row.id for row in rows}

    found = find()
    missing = [(kind, resident_id) for kind, resident_id in wanted if (kind.value, resident_id) not in found]
    for kind, resident_id in missing:
        db.session.execute(
            _insert_ignore(Account, community_id=community_id, kind=kind.value, resident_id=resident_id, balance=0, lifetime_earned=0)
        )
    if missing:
        found = find()
    return [found[kind.value, resident_id] for kind, resident_id in wanted]


def _insert_ignore(model: type, **values: object):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).values(**values).on_conflict_do_nothing()


def _book(
    head: ChainHead,
    *,
    kind: TransactionKind,
    key: str,
    lines: list[tuple[int, int]],
    cause: tuple[str, int | None],
    actor: Resident | None,
    now: datetime,
    kinds: dict[int, AccountKind] | None = None,
    resident: Resident | None = None,
    resident_id: int | None = None,
    action: Action | str | None = None,
    memo: str = "",
    reason: str = "",
    reverses: Transaction | None = None,
) -> Transaction:
    if sum(amount for _, amount in lines) != 0:
        raise AssertionError(f"unbalanced transaction {key}: {lines}")
    if kinds is None:
        kinds = dict(db.session.execute(select(Account.id, Account.kind).where(Account.id.in_([a for a, _ in lines]))).all())
    touches_issuance = any(kinds[a] == AccountKind.ISSUANCE for a, _ in lines)
    for account_id, amount in sorted(lines):
        earned = amount if touches_issuance and kinds[account_id] == AccountKind.WALLET else 0
        stmt = (
            update(Account.__table__)
            .where(Account.__table__.c.id == account_id)
            .values(
                balance=Account.__table__.c.balance + amount,
                lifetime_earned=Account.__table__.c.lifetime_earned + earned,
            )
        )
        if amount < 0 and kinds[account_id] != AccountKind.ISSUANCE:
            stmt = stmt.where(Account.__table__.c.balance >= -amount)
        if db.session.execute(stmt).rowcount != 1:
            raise InsufficientPoints()

    if resident is not None:
        resident_id = resident.id
    tx = Transaction(
        community_id=head.community_id, seq=head.seq + 1, kind=kind.value, idempotency_key=key,
        cause_type=cause[0], cause_id=cause[1], actor_id=actor.id if actor else None, resident_id=resident_id,
        action=str(action) if action else None, memo=memo[:200], reason=reason[:500],
        reverses_id=reverses.id if reverses else None, created_at=now,
        prev_hash=head.last_hash, hash="",
    )
    tx.hash = chain_hash(tx, lines)
    tx.postings = [Posting(account_id=a, amount=amt) for a, amt in sorted(lines)]
    head.seq, head.last_hash = tx.seq, tx.hash
    db.session.add(tx)
    db.session.flush()
    # The cached balances changed underneath the identity map; make the next read see them.
    for account in [o for o in db.session.identity_map.values() if isinstance(o, Account)]:
        db.session.expire(account)
    return tx


def chain_hash(tx: Transaction, lines: list[tuple[int, int]]) -> str:
    """SHA-256 over every field that gives a transaction its meaning, and over the previous hash."""
    fields = [
        tx.prev_hash, tx.community_id, tx.seq, tx.kind, tx.idempotency_key, tx.cause_type, tx.cause_id,
        tx.actor_id, tx.resident_id, tx.action, tx.memo or "", tx.reason or "", tx.reverses_id,
        tx.created_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        sorted([list(line) for line in lines]),
    ]
    payload = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def _awards_since(resident: Resident, action: Action, since: datetime) -> int:
    reversal = aliased(Transaction)
    stmt = select(func.count(Transaction.id)).where(
        Transaction.resident_id == resident.id,
        Transaction.kind == TransactionKind.AWARD.value,
        Transaction.action == action.value,
        Transaction.created_at >= since,
        ~exists().where(reversal.reverses_id == Transaction.id),
    )
    return db.session.scalar(stmt) or 0


def _day_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _month_start(now: datetime) -> datetime:
    return _day_start(now).replace(day=1)



class InvalidRule(DomainError):
    code = "invalid_rule"
    message = _l("Points and caps must be whole numbers, zero or more.")


@transaction
def set_earning_rule(
    community_id: int, action: Action, *, points: int, daily_cap: int | None, monthly_cap: int | None,
    admin: Resident, now: datetime | None = None,
) -> EarningRule:
    """An admin changes how many points an action earns in a community, and its caps (None = no cap)."""
    community = db.session.get(Unit, community_id)
    if community is None or not has_role(admin, Role.ADMIN, community):
        raise NotAllowed()
    if points < 0 or any(cap is not None and cap < 1 for cap in (daily_cap, monthly_cap)):
        raise InvalidRule()
    rule = db.session.scalar(
        select(EarningRule).where(EarningRule.community_id == community_id, EarningRule.action == action.value)
    )
    if rule is None:
        rule = EarningRule(community_id=community_id, action=action.value)
        db.session.add(rule)
    rule.points, rule.daily_cap, rule.monthly_cap = points, daily_cap, monthly_cap
    rule.updated_at, rule.updated_by_id = now or utcnow(), admin.id
    db.session.flush()
    return rule


def refusals_of(resident: Resident, *, limit: int = 5) -> list[RefusedAward]:
    return list(
        db.session.scalars(
            select(RefusedAward).where(RefusedAward.resident_id == resident.id).order_by(RefusedAward.id.desc()).limit(limit)
        )
    )
