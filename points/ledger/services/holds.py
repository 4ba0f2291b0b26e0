"""Holds for redemptions: wallet → holds, then settled (→ redeemed) or voided (→ wallet), once."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...accounts.models import Resident
from ...accounts.permissions import Actor
from ...db import transaction, utcnow
from ..models import AccountKind, Transaction, TransactionKind
from .booking import account_columns, accounts_for, book, booked_under, lock_head, lock_head_and_read, replayed
from .errors import HoldClosed, InvalidAmount, NotAHold


@transaction
def hold(
    resident: Resident, points: int, *, key: str, cause: tuple[str, int | None], memo: str = "",
    actor: Resident | None = None, now: datetime | None = None,
) -> Transaction:
    """Move points from the wallet into the community's holds (a redemption was asked for)."""
    if not isinstance(points, int) or points <= 0:
        raise InvalidAmount()
    community_id = resident.community_id
    # One statement under the head's lock: is the key booked, and the two accounts' ids.
    head, (booked_id, *account_ids) = lock_head_and_read(
        community_id, select(Transaction.id).where(Transaction.idempotency_key == key).scalar_subquery(),
        *account_columns(community_id, (AccountKind.WALLET, resident.id), (AccountKind.HOLDS, None)),
    )
    if booked_id is not None:
        booked = replayed(key, kind=TransactionKind.HOLD, resident_id=resident.id, amount=points)
        assert booked is not None
        return booked
    wallet, holds = accounts_for(community_id, (AccountKind.WALLET, resident.id), (AccountKind.HOLDS, None),
                                 known=tuple(account_ids))
    return book(
        head, kind=TransactionKind.HOLD, key=key, lines=[(wallet, -points), (holds, points)],
        kinds={wallet: AccountKind.WALLET, holds: AccountKind.HOLDS},
        cause=cause, actor=actor or resident, resident=resident, memo=memo, now=now or utcnow(),
    )


@transaction
def settle(held: Transaction, *, actor: Actor, now: datetime | None = None) -> Transaction:
    """The held points become redeemed (the reward was handed over). Closes the hold for good."""
    return _close_hold(held, TransactionKind.SETTLE, actor=actor, reason="", now=now)


@transaction
def void(held: Transaction, *, actor: Actor, reason: str = "", now: datetime | None = None) -> Transaction:
    """The held points go back to the wallet (rejected, cancelled or expired). Closes the hold for good."""
    return _close_hold(held, TransactionKind.VOID, actor=actor, reason=reason, now=now)


def _close_hold(
    held: Transaction, kind: TransactionKind, *, actor: Actor, reason: str, now: datetime | None
) -> Transaction:
    if held.kind != TransactionKind.HOLD:
        raise NotAHold()
    head = lock_head(held.community_id)
    # One key per hold, whichever way it closes: a hold can be settled or voided, once.
    key = f"hold:{held.id}:closed"
    booked = booked_under(key)
    if booked is not None:
        if booked.kind != kind:
            raise HoldClosed()
        return booked
    points = sum(p.amount for p in held.postings if p.amount > 0)
    wallet = next(p.account_id for p in held.postings if p.amount < 0)
    holds, redeemed = accounts_for(held.community_id, (AccountKind.HOLDS, None), (AccountKind.REDEEMED, None))
    settling = kind == TransactionKind.SETTLE
    destination = redeemed if settling else wallet
    return book(
        head, kind=kind, key=key, lines=[(holds, -points), (destination, points)],
        kinds={holds: AccountKind.HOLDS, destination: AccountKind.REDEEMED if settling else AccountKind.WALLET},
        cause=(held.cause_type, held.cause_id), actor=actor, resident_id=held.resident_id, memo=held.memo,
        reason=reason, now=now or utcnow(),
    )
