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

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Integer, bindparam, case, insert, or_, select, update
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


def lock_head_and_read(community_id: int, *columns, params: dict | None = None) -> tuple[Head, tuple]:
    """Lock the community's chain head and read `columns` (scalar subqueries: is the key booked, the rule, the
    accounts' ids) under the lock. Read in Core, always afresh: booking moves the head in Core, so a copy in the
    session (from a savepoint that rolled back, say) may be stale.

    On SQLite one statement does both (the write lock was taken by BEGIN IMMEDIATE before any read). On PostgreSQL
    the reads are a second statement: a statement that waited for a row lock still evaluates its subqueries in
    the snapshot it started with (READ COMMITTED), which would miss what the lock's previous holder committed.

    A hot caller builds its `columns` once, with bind parameters, and passes their values as `params`: the
    statements are then built (and their cache keys computed) once per process, not on every call."""
    together = bool(columns) and db.session.get_bind().dialect.name != "postgresql"
    lock, reads = _head_statements(columns, together) if params is not None else _build_head_statements(columns, together)
    bound = {**(params or {}), "head_community_id": community_id}
    conn = _core()
    row = conn.execute(lock, bound).first()
    if row is None:
        conn.execute(insert_ignore(ChainHead, community_id=community_id, seq=0, last_hash=""))
        row = conn.execute(lock, bound).first()
    assert row is not None
    values = tuple(row[2:]) if together else tuple(conn.execute(reads, bound).one()) if reads is not None else ()
    return Head(community_id, row[0], row[1]), values


def _build_head_statements(columns: tuple, together: bool):
    table = ChainHead.__table__
    lock = (select(table.c.seq, table.c.last_hash, *(columns if together else ()))
            .where(table.c.community_id == bindparam("head_community_id")).with_for_update(of=table))
    return lock, (select(*columns) if columns and not together else None)


_head_statements = functools.lru_cache(maxsize=32)(_build_head_statements)


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
    query when they all exist, none when `known` (read by `account_columns` under the head's lock) has them all,
    and with `known` one INSERT … RETURNING per missing one (a resident's first award creates their wallet)."""
    if known is not None:
        ids = list(known)
        for i, (kind, resident_id) in enumerate(wanted):
            if ids[i] is None:
                ids[i] = db.session.execute(insert_ignore(
                    Account, community_id=community_id, kind=kind.value, resident_id=resident_id, balance=0, lifetime_earned=0,
                ).returning(Account.id)).scalar()
        if None not in ids:
            return ids  # else another transaction created one first (it cannot under the head's lock): read them

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
    conn = _core()
    tx_id = conn.execute(_INSERT_TX, values).scalar_one()
    # One multi-row INSERT (insertmanyvalues); each account appears once, so its posting is known by account.
    posting_ids = dict(conn.execute(
        _INSERT_POSTINGS, [{"transaction_id": tx_id, "account_id": a, "amount": amount} for a, amount in lines],
    ).all())
    conn.execute(_MOVE_HEAD, {"head_community_id": head.community_id, "new_seq": values["seq"], "new_hash": tx.hash})
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


# Built once: their cache keys are computed once per process, not on every booking.
_INSERT_TX = insert(Transaction.__table__).returning(Transaction.__table__.c.id)
_INSERT_POSTINGS = insert(Posting.__table__).returning(Posting.__table__.c.account_id, Posting.__table__.c.id)
_MOVE_HEAD = (update(ChainHead.__table__).where(ChainHead.__table__.c.community_id == bindparam("head_community_id"))
              .values(seq=bindparam("new_seq"), last_hash=bindparam("new_hash")))


def _move_balances(lines: list[tuple[int, int]], kinds: dict[int, AccountKind]) -> None:
    """One UPDATE for every account of the transaction; each debit's row matches only while its balance covers it
    (the issuance account may go negative), so fewer rows than lines means an overdraft: nothing may be booked."""
    touches_issuance = any(kinds[a] == AccountKind.ISSUANCE for a, _ in lines)
    shape = tuple(
        (amount < 0 and kinds[a] != AccountKind.ISSUANCE, touches_issuance and kinds[a] == AccountKind.WALLET and amount != 0)
        for a, amount in lines
    )
    params = {}
    for i, (account_id, amount) in enumerate(lines):
        params.update({f"account_{i}": account_id, f"delta_{i}": amount, f"floor_{i}": -amount})
    if _core().execute(_balances_statement(shape), params).rowcount != len(lines):
        raise InsufficientPoints()


@functools.lru_cache(maxsize=64)
def _balances_statement(shape: tuple[tuple[bool, bool], ...]):
    """The balances UPDATE for one shape of transaction ((guarded debit, earns) per line), built once with bind
    parameters: a booking fills in the accounts and amounts."""
    table = Account.__table__
    ids = [bindparam(f"account_{i}", type_=Integer) for i in range(len(shape))]
    deltas = [bindparam(f"delta_{i}", type_=Integer) for i in range(len(shape))]
    rows = [
        (table.c.id == ids[i]) & (table.c.balance >= bindparam(f"floor_{i}", type_=Integer)) if guarded else table.c.id == ids[i]
        for i, (guarded, _) in enumerate(shape)
    ]
    delta = case(*[(table.c.id == ids[i], deltas[i]) for i in range(len(shape))])
    earning = [(table.c.id == ids[i], deltas[i]) for i, (_, earns) in enumerate(shape) if earns]
    return update(table).where(or_(*rows)).values(
        balance=table.c.balance + delta,
        lifetime_earned=table.c.lifetime_earned + case(*earning, else_=0) if earning else table.c.lifetime_earned,
    )


def _core():
    """The session's connection, for Core statements: the same transaction, without the ORM's execute layer."""
    return db.session.connection()


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
    # One statement for every kind the transaction touched (one row, or an executemany of two).
    conn = _core()
    conn.execute(_hourly_upsert(conn.dialect.name), rows)


@functools.cache
def _hourly_upsert(dialect: str):
    """Built once per dialect: `excluded` alone cost more CPU per booking than the statement's SQL."""
    table = HourlyTotal.__table__
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return stmt.on_conflict_do_update(index_elements=["community_id", "kind", "hour"],
                                      set_={"amount": table.c.amount + stmt.excluded.amount})


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
