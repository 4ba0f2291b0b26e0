"""The booking machinery: the only code that writes postings or changes a balance.

Write protocol, the same for every kind of transaction, inside the caller's one database transaction:
1. lock the community's chain head (SELECT … FOR UPDATE on PostgreSQL; SQLite is already under BEGIN IMMEDIATE),
   reading in the same statement whatever the caller decides on under the lock (`lock_head_and_read`: is the key
   booked, the rule, the accounts' ids);
2. if the idempotency key is already booked, return that transaction (a replay books nothing);
3. change every cached balance in one conditional UPDATE whose WHERE refuses an overdraft, checking rowcount;
4. insert the transaction, chained by hash to the previous one, and its postings (one multi-row INSERT); move the
   head. Steps 3–4 are SQLAlchemy Core statements: the unit of work cost more CPU than the SQL itself.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import case, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from ...accounts.models import Resident
from ...db import adopt, db
from ..earning import EarningAction
from ..models import Account, AccountKind, ChainHead, HourlyTotal, Posting, Transaction, TransactionKind
from .errors import InsufficientPoints, KeyReused


@dataclass
class Head:
    """A community's chain head as read under its lock; `book` moves it."""

    community_id: int
    seq: int
    last_hash: str


def lock_head(community_id: int) -> Head:
    return lock_head_and_read(community_id)[0]


def lock_head_and_read(community_id: int, *columns) -> tuple[Head, tuple]:
    """Lock the community's chain head and read `columns` (scalar subqueries: is the key booked, the rule, the
    accounts' ids) under the lock. Read in Core, always afresh: booking moves the head in Core, so a copy in the
    session (from a savepoint that rolled back, say) may be stale.

    On SQLite one statement does both (the write lock was taken by BEGIN IMMEDIATE before any read). On PostgreSQL
    the reads are a second statement: a statement that waited for a row lock still evaluates its subqueries in
    the snapshot it started with (READ COMMITTED), which would miss what the lock's previous holder committed."""
    table = ChainHead.__table__
    together = bool(columns) and db.session.get_bind().dialect.name != "postgresql"
    stmt = (select(table.c.seq, table.c.last_hash, *(columns if together else ())).where(table.c.community_id == community_id)
            .with_for_update(of=table))
    row = db.session.execute(stmt).first()
    if row is None:
        db.session.execute(insert_ignore(ChainHead, community_id=community_id, seq=0, last_hash=""))
        row = db.session.execute(stmt).first()
    assert row is not None
    values = tuple(row[2:]) if together else tuple(db.session.execute(select(*columns)).one()) if columns else ()
    return Head(community_id, row[0], row[1]), values


def account_columns(community_id: int, *wanted: tuple[AccountKind, int | None]) -> list:
    """The ids of these (kind, resident) accounts as scalar subqueries, for `lock_head_and_read`; a None among
    the values read means the account is missing (`accounts_for` creates it)."""
    return [
        select(Account.id).where(
            Account.community_id == community_id, Account.kind == kind.value,
            Account.resident_id == resident_id if resident_id else Account.resident_id.is_(None),
        ).scalar_subquery()
        for kind, resident_id in wanted
    ]


def booked_under(key: str) -> Transaction | None:
    return db.session.scalar(select(Transaction).where(Transaction.idempotency_key == key))


def replayed(key: str, *, kind: TransactionKind, resident_id: int, amount: int | None = None) -> Transaction | None:
    """The transaction already booked under `key`, if it is this same request again; a different request
    that reuses the key is an error, never silently answered with somebody else's transaction."""
    booked = booked_under(key)
    if booked is None:
        return None
    same_amount = amount is None or sum(p.amount for p in booked.postings if p.amount > 0) == amount
    if booked.kind != kind or booked.resident_id != resident_id or not same_amount:
        raise KeyReused()
    return booked


def accounts_for(community_id: int, *wanted: tuple[AccountKind, int | None], known: tuple | None = None) -> list[int]:
    """The ids of the community's accounts of these (kind, resident) pairs, created where missing; one
    query when they all exist, none when `known` (read by `account_columns` under the head's lock) has them all."""
    if known is not None and None not in known:
        return list(known)

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
            insert_ignore(Account, community_id=community_id, kind=kind.value, resident_id=resident_id, balance=0, lifetime_earned=0)
        )
    if missing:
        found = find()
    return [found[kind.value, resident_id] for kind, resident_id in wanted]


def insert_ignore(model: type, **values: object):
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).values(**values).on_conflict_do_nothing()


def book(
    head: Head,
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
    action: EarningAction | str | None = None,
    memo: str = "",
    reason: str = "",
    reverses: Transaction | None = None,
) -> Transaction:
    """Steps 3 and 4 of the write protocol in four statements, in SQLAlchemy Core (the unit of work cost more CPU
    than the SQL): one conditional UPDATE moves every balance, one INSERT the transaction, one the postings (a
    multi-row insert), one moves the head. The objects returned are made persistent without reading back."""
    if sum(amount for _, amount in lines) != 0:
        raise AssertionError(f"unbalanced transaction {key}: {lines}")
    lines = sorted(lines)
    if len({account_id for account_id, _ in lines}) != len(lines):
        raise AssertionError(f"an account twice in transaction {key}: {lines}")
    if kinds is None:
        kinds = dict(db.session.execute(select(Account.id, Account.kind).where(Account.id.in_([a for a, _ in lines]))).all())
    _move_balances(lines, kinds)

    if resident is not None:
        resident_id = resident.id
    values = dict(
        community_id=head.community_id, seq=head.seq + 1, kind=kind.value, idempotency_key=key,
        cause_type=cause[0], cause_id=cause[1], actor_id=actor.id if actor else None, resident_id=resident_id,
        action=str(action) if action else None, memo=memo[:200], reason=reason[:500],
        reverses_id=reverses.id if reverses else None, created_at=now, prev_hash=head.last_hash,
    )
    tx = Transaction(**values, hash="")
    tx.hash = values["hash"] = chain_hash(tx, lines)
    tx_table, posting_table = Transaction.__table__, Posting.__table__
    tx_id = db.session.execute(insert(tx_table).values(**values).returning(tx_table.c.id)).scalar_one()
    # One multi-row INSERT (insertmanyvalues); each account appears once, so its posting is known by account.
    posting_ids = dict(db.session.execute(
        insert(posting_table).returning(posting_table.c.account_id, posting_table.c.id),
        [{"transaction_id": tx_id, "account_id": a, "amount": amount} for a, amount in lines],
    ).all())
    db.session.execute(
        update(ChainHead.__table__).where(ChainHead.__table__.c.community_id == head.community_id)
        .values(seq=values["seq"], last_hash=tx.hash)
    )
    head.seq, head.last_hash = values["seq"], tx.hash

    tx.id = tx_id
    postings = [Posting(id=posting_ids[a], transaction_id=tx_id, account_id=a, amount=amount) for a, amount in lines]
    for obj in (tx, *postings):
        adopt(obj)
    set_committed_value(tx, "postings", postings)
    for posting in postings:
        set_committed_value(posting, "transaction", tx)
    add_to_hourly_totals(head.community_id, now, lines, kinds)
    # The cached balances changed underneath the identity map; make the next read see them.
    for account in [o for o in db.session.identity_map.values() if isinstance(o, Account)]:
        db.session.expire(account)
    return tx


def _move_balances(lines: list[tuple[int, int]], kinds: dict[int, AccountKind]) -> None:
    """One UPDATE for every account of the transaction; each debit's row matches only while its balance covers it
    (the issuance account may go negative), so fewer rows than lines means an overdraft: nothing may be booked."""
    table = Account.__table__
    touches_issuance = any(kinds[a] == AccountKind.ISSUANCE for a, _ in lines)
    delta = case({a: amount for a, amount in lines}, value=table.c.id)
    earned = {a: amount for a, amount in lines if touches_issuance and kinds[a] == AccountKind.WALLET and amount}
    rows = [
        (table.c.id == a) & (table.c.balance >= -amount)
        if amount < 0 and kinds[a] != AccountKind.ISSUANCE else table.c.id == a
        for a, amount in lines
    ]
    stmt = update(table).where(or_(*rows)).values(
        balance=table.c.balance + delta,
        lifetime_earned=table.c.lifetime_earned + case(earned, value=table.c.id, else_=0) if earned else table.c.lifetime_earned,
    )
    if db.session.execute(stmt).rowcount != len(lines):
        raise InsufficientPoints()


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)


def add_to_hourly_totals(community_id: int, now: datetime, lines: list[tuple[int, int]], kinds: dict[int, AccountKind]) -> None:
    """Add the transaction's community-account lines to their hour's totals (under the chain head's lock)."""
    by_kind: dict[str, int] = {}
    for account_id, amount in lines:
        kind = AccountKind(kinds[account_id])
        if kind != AccountKind.WALLET:
            by_kind[kind.value] = by_kind.get(kind.value, 0) + amount
    rows = [dict(community_id=community_id, kind=kind, hour=hour_of(now), amount=amount)
            for kind, amount in sorted(by_kind.items()) if amount]
    if not rows:
        return
    upsert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = upsert(HourlyTotal).values(rows)  # one statement for every kind the transaction touched
    db.session.execute(stmt.on_conflict_do_update(
        index_elements=["community_id", "kind", "hour"], set_={"amount": HourlyTotal.amount + stmt.excluded.amount}))


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
