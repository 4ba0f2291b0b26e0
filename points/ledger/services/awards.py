"""Awards: by an earning rule under its caps (refusals recorded), or by hand by staff with a reason."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased

from ... import clock
from ...accounts.models import Resident, Role
from ... import events
from ...accounts.permissions import require, require_not_self
from ...db import db, transaction, utcnow
from ..earning import EarningAction
from ..models import AccountKind, RefusedAward, Transaction, TransactionKind
from ..rules import rule_for
from .booking import accounts_for, book, lock_head, replayed
from .errors import InvalidAmount, KeyReused, ReasonRequired

UNCONFIRMED = "unconfirmed"


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


@transaction
def award(
    resident: Resident,
    action: EarningAction,
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
    head = lock_head(community_id)
    booked = replayed(key, kind=TransactionKind.AWARD, resident_id=resident.id)
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
    elif rule.daily_cap is not None and _awards_since(resident, action, clock.day(now)[0]) >= rule.daily_cap:
        reason_code = "daily_cap"
    elif rule.monthly_cap is not None and _awards_since(resident, action, clock.month(now)[0]) >= rule.monthly_cap:
        reason_code = "monthly_cap"
    elif not resident.is_confirmed:
        reason_code = UNCONFIRMED  # recorded with its key; booked under that key when staff confirm the account
    if reason_code is not None:
        refusal = RefusedAward(
            community_id=community_id, resident_id=resident.id, action=action.code, points=max(amount, 0),
            reason_code=reason_code, idempotency_key=key, cause_type=cause[0], cause_id=cause[1], memo=memo,
            created_at=now,
        )
        db.session.add(refusal)
        db.session.flush()
        events.award_refused.send("ledger", refusal=refusal, resident=resident, actor=actor, now=now)
        return AwardOutcome(refusal=refusal)

    issuance, wallet = accounts_for(community_id, (AccountKind.ISSUANCE, None), (AccountKind.WALLET, resident.id))
    tx = book(
        head, kind=TransactionKind.AWARD, key=key, lines=[(issuance, -amount), (wallet, amount)],
        kinds={issuance: AccountKind.ISSUANCE, wallet: AccountKind.WALLET},
        cause=cause, actor=actor, resident=resident, action=action, memo=memo, now=now,
    )
    events.points_awarded.send("ledger", transaction=tx, resident=resident, points=amount, actor=actor, now=now)
    return AwardOutcome(transaction=tx)


@transaction
def award_manually(
    resident: Resident, points: int, *, staff: Resident, reason: str, key: str, now: datetime | None = None
) -> Transaction:
    """Staff of the resident's community award points by hand, always with a reason, never to themselves."""
    require_not_self(staff, resident, message=_l("Staff cannot award points to themselves."))
    require(staff, Role.STAFF, resident.community)
    if not isinstance(points, int) or points <= 0:
        raise InvalidAmount()
    if not reason or not reason.strip():
        raise ReasonRequired()
    community_id = resident.community_id
    head = lock_head(community_id)
    booked = replayed(key, kind=TransactionKind.MANUAL_AWARD, resident_id=resident.id, amount=points)
    if booked is not None:
        return booked
    issuance, wallet = accounts_for(community_id, (AccountKind.ISSUANCE, None), (AccountKind.WALLET, resident.id))
    tx = book(
        head, kind=TransactionKind.MANUAL_AWARD, key=key, lines=[(issuance, -points), (wallet, points)],
        kinds={issuance: AccountKind.ISSUANCE, wallet: AccountKind.WALLET},
        cause=("manual", None), actor=staff, resident=resident, action=None, memo="", reason=reason.strip(),
        now=now or utcnow(),
    )
    events.points_awarded.send("ledger", transaction=tx, resident=resident, points=points, actor=staff, now=tx.created_at)
    return tx


@events.in_transaction(events.resident_confirmed)
def credit_confirmed(sender: str, *, resident: Resident, actor: Resident, now: datetime, **_: object) -> None:
    """Staff confirmed an account: book each award it was refused for being unconfirmed, under the refusal's
    own key (so it is booked once however often this runs), with the points the rule gave then. The refusal
    rows stay, append-only; the booked transaction names it as its cause."""
    head = lock_head(resident.community_id)
    pending = db.session.scalars(
        select(RefusedAward).where(RefusedAward.resident_id == resident.id, RefusedAward.reason_code == UNCONFIRMED)
        .order_by(RefusedAward.id)
    ).all()
    for refusal in pending:
        if refusal.points <= 0 or replayed(refusal.idempotency_key, kind=TransactionKind.AWARD, resident_id=resident.id):
            continue
        issuance, wallet = accounts_for(resident.community_id, (AccountKind.ISSUANCE, None), (AccountKind.WALLET, resident.id))
        tx = book(
            head, kind=TransactionKind.AWARD, key=refusal.idempotency_key,
            lines=[(issuance, -refusal.points), (wallet, refusal.points)],
            kinds={issuance: AccountKind.ISSUANCE, wallet: AccountKind.WALLET},
            cause=(refusal.cause_type, refusal.cause_id), actor=actor, resident=resident, action=refusal.action,
            memo=refusal.memo, now=now,
        )
        events.points_awarded.send("ledger", transaction=tx, resident=resident, points=refusal.points, actor=actor, now=now)


def _awards_since(resident: Resident, action: EarningAction, since: datetime) -> int:
    """Awards booked since `since`, and those waiting for the account's confirmation (they will be booked)."""
    waiting = db.session.scalar(select(func.count(RefusedAward.id)).where(
        RefusedAward.resident_id == resident.id, RefusedAward.action == action.code,
        RefusedAward.reason_code == UNCONFIRMED, RefusedAward.created_at >= since,
        ~exists().where(Transaction.idempotency_key == RefusedAward.idempotency_key),
    )) or 0
    return waiting + _booked_since(resident, action, since)


def _booked_since(resident: Resident, action: EarningAction, since: datetime) -> int:
    reversal = aliased(Transaction)
    stmt = select(func.count(Transaction.id)).where(
        Transaction.resident_id == resident.id,
        Transaction.kind == TransactionKind.AWARD.value,
        Transaction.action == action.code,
        Transaction.created_at >= since,
        ~exists().where(reversal.reverses_id == Transaction.id),
    )
    return db.session.scalar(stmt) or 0
