"""The two-phase redemption: request (hold) → approve or reject → hand over (settle), or cancel / expire (void).

Locks are always taken in one order, so that concurrent requests queue instead of deadlocking: the resident
(request) or the redemption (every later step) → the reward's stock row → the community's ledger chain head
(inside points.ledger.services), taken last because it serialises the whole community until commit; a request
writes only its two new rows (the redemption, named by the id read up front, and its stock movement) after it.
Stock moves by conditional UPDATE with its rowcount checked, next to an append-only StockMovement, in the same
transaction as the points it goes with.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, selectinload

from ... import events
from ...accounts.models import MEMBER_CODE_ALPHABET, Resident, Role
from ...accounts.permissions import Actor, require
from ...accounts.policy import require_second_staff
from ...db import db, next_id, transaction, utcnow
from ...errors import NotAllowed
from ...ledger import services as ledger
from ...ledger.models import Account, AccountKind, Posting, Transaction
from ...ledger.services import InsufficientPoints, ReasonRequired
from ...units.models import Unit
from ..models import HOLDING, PICKUP_QR_PREFIX, STOCK_EFFECT, Bank, Redemption, RedemptionState, Reward, StockKind, StockMovement
from .catalogue import bank_for, settings_of
from .errors import (
    WRONG_STATE_MESSAGES, InvalidInput, LimitReached, OutOfStock, PickupExpired, RewardInactive, WrongState, check_token)
from .offer import is_available, remaining_limit

PICKUP_CODE_LENGTH = 6


def get_redemption(redemption_id: int | None) -> Redemption | None:
    return db.session.get(Redemption, redemption_id) if redemption_id else None


def redemptions_of(resident: Resident, *, limit: int = 50) -> list[Redemption]:
    return list(db.session.scalars(
        select(Redemption).where(Redemption.resident_id == resident.id).options(selectinload(Redemption.reward))
        .order_by(Redemption.requested_at.desc(), Redemption.id.desc()).limit(limit)
    ))


def redemptions_in(
    community_ids: list[int], state: RedemptionState, *, resident_id: int | None = None, limit: int = 50,
) -> list[Redemption]:
    """Oldest first: whoever asked first is served first. Loads resident and reward with them (no query per row)."""
    if not community_ids:
        return []
    stmt = (
        select(Redemption).where(Redemption.community_id.in_(community_ids), Redemption.state == state.value)
        .options(selectinload(Redemption.resident), selectinload(Redemption.reward).selectinload(Reward.community))
        .order_by(Redemption.requested_at, Redemption.id).limit(limit)
    )
    if resident_id is not None:
        stmt = stmt.where(Redemption.resident_id == resident_id)
    return list(db.session.scalars(stmt))


def count_in(community_ids: list[int], state: RedemptionState) -> int:
    if not community_ids:
        return 0
    return db.session.scalar(select(func.count(Redemption.id)).where(
        Redemption.community_id.in_(community_ids), Redemption.state == state.value)) or 0


@dataclass(frozen=True)
class ResidentGlance:
    """What staff want to see before approving: balance, points on hold, and the latest wallet lines."""

    balance: int
    held: int
    recent: list[ledger.HistoryLine]
    collected: int


def glance(residents: list[Resident], *, recent: int = 3) -> dict[int, ResidentGlance]:
    """The queue's side panel for many residents at once: five queries, not five per resident."""
    ids = sorted({r.id for r in residents})
    if not ids:
        return {}
    wallets = dict(db.session.execute(
        select(Account.resident_id, Account.id).where(Account.kind == AccountKind.WALLET.value, Account.resident_id.in_(ids))
    ).all())
    balances = dict(db.session.execute(select(Account.id, Account.balance).where(Account.id.in_(wallets.values()))).all())
    held = dict(db.session.execute(
        select(Redemption.resident_id, func.sum(Redemption.points))
        .where(Redemption.resident_id.in_(ids), Redemption.state.in_([s.value for s in HOLDING]))
        .group_by(Redemption.resident_id)
    ).all())
    collected = dict(db.session.execute(
        select(Redemption.resident_id, func.count(Redemption.id))
        .where(Redemption.resident_id.in_(ids), Redemption.state == RedemptionState.FULFILLED.value)
        .group_by(Redemption.resident_id)
    ).all())
    actor = aliased(Resident)
    rank = func.row_number().over(partition_by=Posting.account_id, order_by=Transaction.id.desc()).label("rank")
    lines = (
        select(Transaction.id.label("tx_id"), Posting.account_id, Posting.amount, rank)
        .join(Posting, Posting.transaction_id == Transaction.id)
        .where(Posting.account_id.in_(wallets.values()))
        .subquery()
    )
    stmt = (
        select(Transaction, lines.c.account_id, lines.c.amount, actor.name)
        .join(lines, lines.c.tx_id == Transaction.id)
        .outerjoin(actor, actor.id == Transaction.actor_id)
        .where(lines.c.rank <= recent)
        .order_by(lines.c.account_id, Transaction.id.desc())
    )
    history: dict[int, list[ledger.HistoryLine]] = {}
    for tx, account_id, amount, actor_name in db.session.execute(stmt):
        history.setdefault(account_id, []).append(ledger.HistoryLine(tx, amount, actor_name))
    result = {}
    for resident_id in ids:
        wallet = wallets.get(resident_id)
        result[resident_id] = ResidentGlance(
            balance=balances.get(wallet, 0) if wallet else 0, held=int(held.get(resident_id) or 0),
            recent=history.get(wallet, []) if wallet else [], collected=collected.get(resident_id, 0),
        )
    return result


def normalise_pickup_code(raw: str) -> str:
    text = (raw or "").strip().upper()
    if text.startswith(PICKUP_QR_PREFIX):
        text = text[len(PICKUP_QR_PREFIX):]
    return "".join(ch for ch in text if ch.isalnum())


def redemption_by_pickup_code(code: str) -> Redemption | None:
    code = normalise_pickup_code(code)
    if len(code) != PICKUP_CODE_LENGTH:
        return None
    return db.session.scalar(select(Redemption).where(Redemption.pickup_code == code))


# ---------------------------------------------------------------------------------------------------------
# Redemption


@transaction
def request_redemption(
    resident: Resident, reward: Reward, *, token: str, actor: Resident | None = None, now: datetime | None = None,
) -> Redemption:
    """Hold the points and one unit at once. `actor` is staff asking on behalf of a resident without a phone.

    A replayed token returns the redemption it already made.
    """
    now = now or utcnow()
    actor = actor or resident
    if actor.id != resident.id:
        require(actor, Role.STAFF, resident.community)
    if reward.community_id != resident.community_id:
        raise NotAllowed(_l("This reward belongs to another community's bank."), code="other_community")
    token = check_token(token)
    # The resident's row is the lock that makes the limit count and the token check race-free (on SQLite, BEGIN
    # IMMEDIATE already holds every writer). Then one statement reads, under it, the reward afresh, the token's
    # earlier redemption, the wallet's balance and the bank's pickup window.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    # The bank's row (if any) comes along, for the pickup deadline.
    replay_id, balance, bank_row, new_id = db.session.execute(
        select(
            Reward,
            select(Redemption.id).where(Redemption.resident_id == resident.id, Redemption.request_token == token).scalar_subquery(),
            select(Account.balance).where(Account.community_id == resident.community_id, Account.kind == AccountKind.WALLET.value,
                                          Account.resident_id == resident.id).scalar_subquery(),
            Bank,
            next_id(Redemption),
        ).outerjoin(Bank, Bank.community_id == Reward.community_id)
        .where(Reward.id == reward.id).execution_options(populate_existing=True)
    ).one()[1:]
    if replay_id is not None:
        replay = db.session.get(Redemption, replay_id)
        assert replay is not None
        if replay.reward_id != reward.id:
            raise InvalidInput(code="token_reused")
        return replay

    if not resident.is_active_account:
        raise NotAllowed(_l("This account is not active."), code="inactive_resident")
    if not is_available(reward, now):
        raise RewardInactive()
    if reward.stock < 1:
        raise OutOfStock()
    remaining = remaining_limit(resident, reward, now)
    if remaining == 0:
        count, period = reward.limit  # type: ignore[misc]
        raise LimitReached(_l("You can have this reward %(n)d time(s) %(period)s; the limit is reached.",
                              n=count, period=period.label))
    balance = balance or 0
    if balance < reward.price:
        raise InsufficientPoints(_l("This reward needs %(price)d points; you have %(balance)d.",
                                    price=reward.price, balance=balance))

    taken = db.session.execute(update(Reward).where(Reward.id == reward.id, Reward.stock >= 1).values(stock=Reward.stock - 1))
    if taken.rowcount != 1:
        raise OutOfStock()
    # The hold is booked first, naming the redemption by the id read above, and the redemption row is written once,
    # with its hold, instead of written and then updated; the ledger's write comes last all the same but for
    # these two inserts. The hold joins this transaction without a savepoint: if it fails, the request fails.
    held = ledger.hold.joined(resident, reward.price, key=f"redemption:{new_id}:hold",
                              cause=("redemption", new_id), memo=reward.name, actor=actor, now=now)
    redemption = Redemption(
        id=new_id, community_id=reward.community_id, reward_id=reward.id, resident_id=resident.id, request_token=token,
        points=reward.price, state=RedemptionState.REQUESTED.value, requested_at=now, requested_by_id=actor.id,
        expires_at=settings_of(reward.community_id, bank_row).pickup_deadline(now),
        hold_id=held.id,
    )
    db.session.add(redemption)
    _move_stock(redemption, StockKind.HOLD, actor=actor, now=now)
    db.session.expire(reward, ["stock"])
    events.redemption_requested.send("bank", redemption=redemption, resident=resident, actor=actor, now=now)
    return redemption


@transaction
def approve_redemption(redemption: Redemption, *, staff: Resident, now: datetime | None = None) -> Redemption:
    """Staff say yes: the resident gets a pickup code, and the pickup window starts again from now (ending when
    the desk closes, `BankSettings.pickup_deadline`)."""
    now = now or utcnow()
    redemption = _lock(redemption)
    require(staff, Role.STAFF, db.session.get(Unit, redemption.community_id))
    _own(redemption, staff)
    _check_step(redemption, RedemptionState.APPROVED, now)
    require_second_staff(staff, _originators(redemption, now), redemption.community_id)
    redemption.state = RedemptionState.APPROVED.value
    redemption.decided_at, redemption.decided_by_id = now, staff.id
    redemption.expires_at = bank_for(redemption.community_id).pickup_deadline(now)
    redemption.pickup_code = _new_pickup_code()
    db.session.flush()
    events.redemption_approved.send("bank", redemption=redemption, actor=staff, now=now)
    return redemption


@transaction
def reject_redemption(redemption: Redemption, *, staff: Resident, reason: str, now: datetime | None = None) -> Redemption:
    now = now or utcnow()
    redemption = _lock(redemption)
    require(staff, Role.STAFF, db.session.get(Unit, redemption.community_id))
    _own(redemption, staff)
    if not (reason or "").strip():
        raise ReasonRequired(field="reason")
    _check_step(redemption, RedemptionState.REJECTED, now, check_expiry=False)
    redemption.decided_at, redemption.decided_by_id = now, staff.id
    _void(redemption, RedemptionState.REJECTED, actor=staff, reason=reason.strip(), now=now)
    events.redemption_rejected.send("bank", redemption=redemption, actor=staff, now=now)
    return redemption


@transaction
def cancel_redemption(redemption: Redemption, *, actor: Resident, reason: str = "", now: datetime | None = None) -> Redemption:
    """The resident withdraws before hand-over, or staff do it for them (with a reason)."""
    now = now or utcnow()
    redemption = _lock(redemption)
    if actor.id != redemption.resident_id:
        require(actor, Role.STAFF, db.session.get(Unit, redemption.community_id))
        if not (reason or "").strip():
            raise ReasonRequired(field="reason")
    _check_step(redemption, RedemptionState.CANCELLED, now, check_expiry=False)
    _void(redemption, RedemptionState.CANCELLED, actor=actor, reason=(reason or "").strip(), now=now)
    events.redemption_cancelled.send("bank", redemption=redemption, actor=actor, now=now)
    return redemption


@transaction
def fulfil_redemption(redemption: Redemption, *, staff: Resident, now: datetime | None = None) -> Redemption:
    """Hand-over: the held points become redeemed and the held unit leaves the shelf."""
    now = now or utcnow()
    redemption = _lock(redemption)
    require(staff, Role.STAFF, db.session.get(Unit, redemption.community_id))
    _own(redemption, staff)
    if redemption.status == RedemptionState.REQUESTED:
        raise WrongState(_l("This redemption has not been approved yet."), code="not_approved")
    _check_step(redemption, RedemptionState.FULFILLED, now)
    _move_stock(redemption, StockKind.SETTLE, actor=staff, now=now)
    ledger.settle(redemption.hold, actor=staff, now=now)
    redemption.state = RedemptionState.FULFILLED.value
    redemption.closed_at, redemption.closed_by_id = now, staff.id
    db.session.flush()
    events.redemption_handed_over.send("bank", redemption=redemption, actor=staff, now=now)
    return redemption


@transaction
def expire_redemption(redemption: Redemption, *, actor: Actor, now: datetime | None = None) -> Redemption:
    """Past its pickup window: give the points and the unit back. A redemption not yet due is refused.
    `actor` is the job (`SYSTEM`) or staff of the community."""
    now = now or utcnow()
    redemption = _lock(redemption)
    require(actor, Role.STAFF, db.session.get(Unit, redemption.community_id))
    _check_step(redemption, RedemptionState.EXPIRED, now, check_expiry=False)
    if redemption.expires_at > now:
        raise WrongState(_l("This redemption is not due to expire yet."), code="not_due")
    _void(redemption, RedemptionState.EXPIRED, actor=actor, reason="", now=now)
    events.redemption_expired.send("bank", redemption=redemption, actor=actor, now=now)
    return redemption


def expire_due(*, actor: Actor, now: datetime | None = None, batch: int = 500) -> int:
    """Expire every redemption past its window, each in its own transaction; returns how many."""
    now = now or utcnow()
    done = 0
    while True:
        due = list(db.session.scalars(
            select(Redemption).where(Redemption.state.in_([s.value for s in HOLDING]), Redemption.expires_at <= now)
            .order_by(Redemption.id).limit(batch)
        ))
        if not due:
            return done
        for redemption in due:
            try:
                expire_redemption(redemption, actor=actor, now=now)
            except WrongState:
                continue  # handed over or cancelled a moment ago
            done += 1


# ---------------------------------------------------------------------------------------------------------
# Redemption machinery


def _lock(redemption: Redemption) -> Redemption:
    """Re-read the redemption under a row lock: every step decides on its current state, not on a stale copy."""
    locked = db.session.scalar(
        select(Redemption).where(Redemption.id == redemption.id).with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


FOUR_EYES_DAYS = 30  # a staff member who gave the resident points by hand this recently does not approve alone


def _originators(redemption: Redemption, now: datetime) -> set[int]:
    """Who started what an approval would let through: the staff member who asked on the resident's behalf, and
    staff who gave the resident points by hand within FOUR_EYES_DAYS (双人复核)."""
    people = ledger.manual_awarders(redemption.resident, since=now - timedelta(days=FOUR_EYES_DAYS))
    if redemption.requested_by_id is not None and redemption.requested_by_id != redemption.resident_id:
        people.add(redemption.requested_by_id)
    return people


def _own(redemption: Redemption, staff: Resident) -> None:
    if redemption.resident_id == staff.id:
        raise NotAllowed(_l("Another staff member must handle your own redemption."), code="own_redemption")


def _check_step(redemption: Redemption, target: RedemptionState, now: datetime, *, check_expiry: bool = True) -> None:
    current = redemption.status
    if not current.can_become(target):
        raise WrongState(WRONG_STATE_MESSAGES.get(current), code=f"already_{current.value}", state=current.value)
    if check_expiry and redemption.expires_at <= now:
        raise PickupExpired()


def _void(redemption: Redemption, state: RedemptionState, *, actor: Actor, reason: str, now: datetime) -> Redemption:
    db.session.execute(update(Reward).where(Reward.id == redemption.reward_id).values(stock=Reward.stock + 1))
    _move_stock(redemption, StockKind.VOID, actor=actor, now=now)
    ledger.void(redemption.hold, actor=actor, reason=reason, now=now)
    redemption.state = state.value
    redemption.closed_at, redemption.closed_by_id = now, actor.id
    redemption.reason = reason[:500]
    db.session.flush()
    db.session.expire(redemption.reward, ["stock"])
    return redemption


def _move_stock(redemption: Redemption, kind: StockKind, *, actor: Actor, now: datetime) -> None:
    """One stock line. Its key is `redemption:<id>:<kind>`; a hand-over undone and done again settles a second time
    (`…:settle:1`), counted under the redemption's row lock."""
    free, held = STOCK_EFFECT[kind]
    key = f"redemption:{redemption.id}:{kind.value}"
    if kind in (StockKind.SETTLE, StockKind.UNSETTLE):
        earlier = db.session.scalar(select(func.count(StockMovement.id)).where(
            StockMovement.redemption_id == redemption.id, StockMovement.kind == kind.value)) or 0
        key += f":{earlier}" if earlier else ""
    db.session.add(StockMovement(
        reward_id=redemption.reward_id, kind=kind.value, free=free, held=held, key=key, redemption_id=redemption.id,
        actor_id=actor.id, created_at=now,
    ))
    db.session.flush()


def _new_pickup_code() -> str:
    while True:
        code = "".join(secrets.choice(MEMBER_CODE_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))
        if db.session.scalar(select(Redemption.id).where(Redemption.pickup_code == code)) is None:
            return code

