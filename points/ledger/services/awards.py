"""Awards: by an earning rule under its caps (refusals recorded), or by hand by staff with a reason."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import aliased

from ... import clock
from ...accounts.models import Resident, Role
from ... import events
from ...accounts.permissions import SYSTEM, Actor, require, require_not_self
from ...accounts.policy import policy_for, require_second_staff
from ...db import db, transaction, utcnow
from ..earning import EarningAction
from ..models import Account, AccountKind, PendingAward, PendingAwardState, RefusedAward, Transaction, TransactionKind
from ..rules import rule_columns, rule_from
from .booking import accounts_for, book, lock_head, lock_head_and_read, replayed
from .errors import AwardDecided, InvalidAmount, KeyReused, ReasonRequired

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
    counted = action.code in COUNTED_ACTIONS
    # One statement, under the head's lock: is the key booked or refused already, the rule, the two accounts' ids,
    # and (for an action a higher domain counts) the resident's standing awards of it so far.
    head, (booked_id, refused_id, *values) = lock_head_and_read(community_id, *_award_reads(counted), params={
        "award_key": key, "award_community_id": community_id, "award_action": action.code, "award_resident_id": resident.id,
    })
    rule_values, account_ids, counts = values[:4], tuple(values[4:6]), values[6:]
    if booked_id is not None:
        booked = replayed(key, kind=TransactionKind.AWARD, resident_id=resident.id)
        assert booked is not None
        return AwardOutcome(transaction=booked)
    if refused_id is not None:
        refused = db.session.get(RefusedAward, refused_id)
        assert refused is not None
        if refused.resident_id != resident.id:
            raise KeyReused()
        return AwardOutcome(refusal=refused)

    rule = rule_from(action, rule_values)
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

    issuance, wallet = accounts_for(community_id, (AccountKind.ISSUANCE, None), (AccountKind.WALLET, resident.id),
                                    known=account_ids)
    tx = book(
        head, kind=TransactionKind.AWARD, key=key, lines=[(issuance, -amount), (wallet, amount)],
        kinds={issuance: AccountKind.ISSUANCE, wallet: AccountKind.WALLET},
        cause=cause, actor=actor, resident=resident, action=action, memo=memo, now=now,
    )
    events.points_awarded.send("ledger", transaction=tx, resident=resident, points=amount, actor=actor, now=now,
                               awards_of_action=(counts[0] or 0) + 1 if counted else None)
    return AwardOutcome(transaction=tx)


COUNTED_ACTIONS: set[str] = set()


def count_awards_of(*codes: str) -> None:
    """A higher domain that counts a resident's awards of these actions on every award (standing's badges) has the
    ledger read the count in the award's one locked statement instead of asking again; it comes with
    `points_awarded` as `awards_of_action` (this award included). Declared at import, like receivers."""
    COUNTED_ACTIONS.update(codes)


@functools.cache
def _award_reads(counted: bool) -> tuple:
    """What `award` reads under the head's lock, built once with bind parameters: is the key booked, is it refused,
    the rule (four), the issuance and wallet accounts' ids, and (`counted`) the resident's standing awards of the
    action, those no reversal undid."""
    key, community, action, resident = (bindparam(name) for name in (
        "award_key", "award_community_id", "award_action", "award_resident_id"))
    reversal = aliased(Transaction)
    columns = [
        select(Transaction.id).where(Transaction.idempotency_key == key).scalar_subquery(),
        select(RefusedAward.id).where(RefusedAward.idempotency_key == key).scalar_subquery(),
        *rule_columns(community, action),
        select(Account.id).where(Account.community_id == community, Account.kind == AccountKind.ISSUANCE.value,
                                 Account.resident_id.is_(None)).scalar_subquery(),
        select(Account.id).where(Account.community_id == community, Account.kind == AccountKind.WALLET.value,
                                 Account.resident_id == resident).scalar_subquery(),
    ]
    if counted:
        columns.append(select(func.count(Transaction.id)).where(
            Transaction.resident_id == resident, Transaction.kind == TransactionKind.AWARD.value,
            Transaction.action == action, ~exists().where(reversal.reverses_id == Transaction.id),
        ).scalar_subquery())
    return tuple(columns)


@transaction
def award_manually(
    resident: Resident, points: int, *, staff: Actor, reason: str, key: str, now: datetime | None = None
) -> Transaction | PendingAward:
    """Staff of the resident's community award points by hand, always with a reason, never to themselves.
    Above the community's threshold (双人复核) the award waits, as a `PendingAward`, for a second staff member;
    SYSTEM (the command line, demo data: its operator is trusted) books at once."""
    require_not_self(staff, resident, message=_l("Staff cannot award points to themselves."))
    require(staff, Role.STAFF, resident.community)
    if not isinstance(points, int) or points <= 0:
        raise InvalidAmount()
    if not reason or not reason.strip():
        raise ReasonRequired()
    now = now or utcnow()
    community_id = resident.community_id
    head = lock_head(community_id)
    waiting = db.session.scalar(select(PendingAward).where(PendingAward.idempotency_key == key))
    if waiting is not None:
        if waiting.resident_id != resident.id or waiting.points != points:
            raise KeyReused()
        return waiting
    booked = replayed(key, kind=TransactionKind.MANUAL_AWARD, resident_id=resident.id, amount=points)
    if booked is not None:
        return booked
    rules = policy_for(community_id)
    if points > rules.manual_award_threshold and not rules.is_single_staff_allowed and staff is not SYSTEM:
        pending = PendingAward(community_id=community_id, resident_id=resident.id, points=points, reason=reason.strip()[:500],
                               idempotency_key=key, requested_by_id=staff.id, requested_at=now)
        db.session.add(pending)
        db.session.flush()
        return pending
    return _book_manual(head, resident, points, staff=staff, reason=reason.strip(), key=key, now=now)


def _book_manual(head, resident: Resident, points: int, *, staff: Actor, reason: str, key: str, now: datetime) -> Transaction:
    issuance, wallet = accounts_for(resident.community_id, (AccountKind.ISSUANCE, None), (AccountKind.WALLET, resident.id))
    tx = book(
        head, kind=TransactionKind.MANUAL_AWARD, key=key, lines=[(issuance, -points), (wallet, points)],
        kinds={issuance: AccountKind.ISSUANCE, wallet: AccountKind.WALLET},
        cause=("manual", None), actor=staff, resident=resident, action=None, memo="", reason=reason, now=now,
    )
    events.points_awarded.send("ledger", transaction=tx, resident=resident, points=points, actor=staff, now=tx.created_at)
    return tx


@transaction
def confirm_pending_award(pending: PendingAward, *, staff: Resident, now: datetime | None = None) -> Transaction:
    """A second staff member confirms a pending manual award: it is booked now, under its own key. Never the
    staff member who asked for it, and never one's own (a single-staff community's setting excepted)."""
    pending = _lock_pending(pending)
    resident = db.session.get(Resident, pending.resident_id)
    require_not_self(staff, resident, message=_l("Staff cannot award points to themselves."))  # type: ignore[arg-type]
    require(staff, Role.STAFF, resident.community)  # type: ignore[union-attr]
    require_second_staff(staff, {pending.requested_by_id}, pending.community_id)
    now = now or utcnow()
    head = lock_head(pending.community_id)
    tx = _book_manual(head, resident, pending.points, staff=staff, reason=pending.reason,  # type: ignore[arg-type]
                      key=pending.idempotency_key, now=now)
    pending.state, pending.decided_by_id, pending.decided_at, pending.transaction_id = (
        PendingAwardState.CONFIRMED.value, staff.id, now, tx.id)
    db.session.flush()
    return tx


@transaction
def reject_pending_award(pending: PendingAward, *, staff: Resident, now: datetime | None = None) -> PendingAward:
    """A staff member (the one who asked, too: withdrawing is no risk) turns a pending award down."""
    pending = _lock_pending(pending)
    resident = db.session.get(Resident, pending.resident_id)
    require(staff, Role.STAFF, resident.community)  # type: ignore[union-attr]
    pending.state, pending.decided_by_id, pending.decided_at = PendingAwardState.REJECTED.value, staff.id, now or utcnow()
    db.session.flush()
    return pending


def _lock_pending(pending: PendingAward) -> PendingAward:
    locked = db.session.scalar(
        select(PendingAward).where(PendingAward.id == pending.id).with_for_update().execution_options(populate_existing=True)
    )
    assert locked is not None
    if locked.state != PendingAwardState.PENDING:
        raise AwardDecided()
    return locked


def pending_awards(community_ids: list[int], *, resident: Resident | None = None, limit: int = 100) -> list[PendingAward]:
    if not community_ids:
        return []
    stmt = select(PendingAward).where(PendingAward.community_id.in_(community_ids), PendingAward.state == PendingAwardState.PENDING.value)
    if resident is not None:
        stmt = stmt.where(PendingAward.resident_id == resident.id)
    return list(db.session.scalars(stmt.order_by(PendingAward.id).limit(limit)))


def get_pending_award(pending_id: int) -> PendingAward | None:
    return db.session.get(PendingAward, pending_id)


def manual_awarders(resident: Resident, *, since: datetime) -> set[int]:
    """The staff who gave `resident` points by hand since `since`, booked or still waiting (for four eyes)."""
    booked = db.session.scalars(select(Transaction.actor_id).where(
        Transaction.resident_id == resident.id, Transaction.kind == TransactionKind.MANUAL_AWARD.value,
        Transaction.created_at >= since,
    ))
    asked = db.session.scalars(select(PendingAward.requested_by_id).where(
        PendingAward.resident_id == resident.id, PendingAward.requested_at >= since,
        PendingAward.state != PendingAwardState.REJECTED.value,
    ))
    return {i for i in [*booked, *asked] if i is not None}


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
