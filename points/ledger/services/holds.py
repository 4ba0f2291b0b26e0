"""Holds for redemptions: wallet → holds, then settled (→ redeemed) or voided (→ wallet), once; a settle undone
(`reopen`, a hand-over taken back at the desk) leaves the hold open to be settled or voided again."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...accounts.models import Resident
from ...accounts.permissions import Actor
from ...db import transaction, utcnow
from ..models import AccountKind, Transaction, TransactionKind
from .booking import account_columns, accounts_for, book, booked_under, lock_head, lock_head_and_read, replayed
from .errors import AlreadyReversed, HoldClosed, InvalidAmount, NotAHold, NotReversible, ReasonRequired


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
    key, booked = _closing(held)
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


@transaction
def reopen(closed: Transaction, *, actor: Actor, reason: str, now: datetime | None = None) -> Transaction:
    """Undo a settle by its mirror image (redeemed → holds), at most once: the hold is open again, to be settled
    or voided later under a key of its own. The caller checks who may (the bank: staff, within the undo window).
    A void is never reopened: the points it returned may be spent already."""
    if closed.kind != TransactionKind.SETTLE:
        raise NotReversible()
    if not (reason or "").strip():
        raise ReasonRequired(field="reason")
    head = lock_head(closed.community_id)
    key = f"reversal:{closed.id}"
    if booked_under(key) is not None:
        raise AlreadyReversed()
    return book(
        head, kind=TransactionKind.REVERSAL, key=key, lines=[(p.account_id, -p.amount) for p in closed.postings],
        cause=(closed.cause_type, closed.cause_id), actor=actor, resident_id=closed.resident_id, memo=closed.memo,
        reason=reason.strip(), reverses=closed, now=now or utcnow(),
    )


def _closing(held: Transaction) -> tuple[str, Transaction | None]:
    """The key the hold's close books under, and the close that stands under it (None while the hold is open).

    One key per hold, whichever way it closes, so it is settled or voided once: `hold:<id>:closed`. A close undone
    by `reopen` steps to the next key (`hold:<id>:closed:1`, …), so the hold can close once more."""
    number = 0
    while True:
        key = f"hold:{held.id}:closed" + (f":{number}" if number else "")
        booked = booked_under(key)
        if booked is None or booked_under(f"reversal:{booked.id}") is None:
            return key, booked
        number += 1
