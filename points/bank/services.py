"""Bank operations: the catalogue, partners and donations, and the two-phase redemption.

Locks are always taken in one order, so that concurrent requests queue instead of deadlocking: the resident
(request) or the redemption (every later step) → the reward's stock row → the community's ledger chain head
(inside points.ledger.services), taken last because it serialises the whole community until commit. Stock moves
by conditional UPDATE with its rowcount checked, next to an append-only StockMovement, in the same transaction as
the points it goes with.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import aliased, selectinload

from ..accounts.models import MEMBER_CODE_ALPHABET, Resident, Role
from ..accounts.permissions import has_role
from ..db import transaction, utcnow
from ..errors import DomainError, NotAllowed
from ..extensions import db
from ..ledger import services as ledger
from ..ledger.models import Account, AccountKind, Posting, Transaction
from ..ledger.services import LOCAL_TZ, InsufficientPoints, ReasonRequired
from ..units.models import Level, Unit
from . import photos
from .models import (
    DEFAULT_PICKUP_DAYS, HOLDING, PICKUP_QR_PREFIX, STOCK_EFFECT, VOIDED, Bank, Donation, LimitPeriod, Partner,
    PartnerKind, Redemption, RedemptionState, Reward, RewardKind, StockKind, StockMovement,
)

PICKUP_CODE_LENGTH = 6
MAX_PRICE = 100_000
MAX_DONATION = 10_000


class RewardInactive(DomainError):
    code = "reward_inactive"
    message = _l("This reward cannot be requested at the moment.")


class OutOfStock(DomainError):
    code = "out_of_stock"
    message = _l("Sorry, this reward has just run out.")


class LimitReached(DomainError):
    code = "limit_reached"
    message = _l("You have reached the limit for this reward.")


class WrongState(DomainError):
    """The redemption is not in a state that allows this step; the code names the state it is in."""

    code = "wrong_state"
    message = _l("This is no longer possible for this redemption.")


class PickupExpired(DomainError):
    code = "expired"
    message = _l("The pickup period for this redemption has ended.")


class InvalidInput(DomainError):
    code = "invalid_input"
    message = _l("Please check what you entered.")


class UnknownCode(DomainError):
    code = "unknown_code"
    message = _l("No redemption with this pickup code.")


WRONG_STATE_MESSAGES = {
    RedemptionState.APPROVED: _l("This redemption has already been approved."),
    RedemptionState.FULFILLED: _l("This reward has already been handed over."),
    RedemptionState.REJECTED: _l("This redemption was not approved; the points have been returned."),
    RedemptionState.CANCELLED: _l("This redemption was cancelled; the points have been returned."),
    RedemptionState.EXPIRED: _l("This redemption expired; the points have been returned."),
}


# ---------------------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class BankSettings:
    community_id: int
    pickup_place: str = ""
    pickup_hours: str = ""
    pickup_days: int = DEFAULT_PICKUP_DAYS


def get_reward(reward_id: int | None) -> Reward | None:
    return db.session.get(Reward, reward_id) if reward_id else None


def get_redemption(redemption_id: int | None) -> Redemption | None:
    return db.session.get(Redemption, redemption_id) if redemption_id else None


def get_partner(partner_id: int | None) -> Partner | None:
    return db.session.get(Partner, partner_id) if partner_id else None


def bank_for(community_id: int) -> BankSettings:
    row = db.session.get(Bank, community_id)
    if row is None:
        return BankSettings(community_id)
    return BankSettings(community_id, row.pickup_place, row.pickup_hours, row.pickup_days)


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(LOCAL_TZ).date()


def is_available(reward: Reward, now: datetime | None = None) -> bool:
    """Listed, and today (local date) within its active dates."""
    today = local_today(now)
    return bool(reward.is_listed) and (reward.available_from is None or reward.available_from <= today) and (
        reward.available_until is None or today <= reward.available_until
    )


def period_start(period: LimitPeriod, now: datetime) -> datetime | None:
    """The start of the current limit period in local time (weeks start on Monday); None for `ever`."""
    local = now.astimezone(LOCAL_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == LimitPeriod.WEEK:
        return local - timedelta(days=local.weekday())
    if period == LimitPeriod.MONTH:
        return local.replace(day=1)
    if period == LimitPeriod.YEAR:
        return local.replace(month=1, day=1)
    return None


def _counting(stmt):
    """Requests that count towards a limit: everything except those whose hold was voided."""
    return stmt.where(Redemption.state.not_in([s.value for s in VOIDED]))


def remaining_limit(resident: Resident, reward: Reward, now: datetime | None = None) -> int | None:
    limit = reward.limit
    if limit is None:
        return None
    count, period = limit
    stmt = _counting(select(func.count(Redemption.id)).where(
        Redemption.resident_id == resident.id, Redemption.reward_id == reward.id))
    start = period_start(period, now or utcnow())
    if start is not None:
        stmt = stmt.where(Redemption.requested_at >= start)
    return max(count - (db.session.scalar(stmt) or 0), 0)


@dataclass(frozen=True)
class CatalogueEntry:
    reward: Reward
    available: bool
    affordable: bool
    remaining: int | None  # None: no limit

    @property
    def can_request(self) -> bool:
        return self.available and self.affordable and self.reward.stock > 0 and self.remaining != 0


def catalogue(resident: Resident, *, now: datetime | None = None) -> list[CatalogueEntry]:
    """The resident's community's rewards as the resident sees them, in three queries whatever the size."""
    now = now or utcnow()
    rewards = list(db.session.scalars(
        select(Reward).where(Reward.community_id == resident.community_id, Reward.is_listed.is_(True))
        .order_by(Reward.stock == 0, Reward.price, Reward.id)
    ))
    balance = ledger.balance_of(resident)
    mine = db.session.execute(_counting(
        select(Redemption.reward_id, Redemption.requested_at).where(Redemption.resident_id == resident.id)
    )).all()
    entries = []
    for reward in rewards:
        available = is_available(reward, now)
        if reward.available_until is not None and reward.available_until < local_today(now):
            continue  # finished ones drop out; coming ones stay visible with their start date
        remaining = None
        if reward.limit is not None:
            count, period = reward.limit
            start = period_start(period, now)
            used = sum(1 for rid, at in mine if rid == reward.id and (start is None or at >= start))
            remaining = max(count - used, 0)
        entries.append(CatalogueEntry(reward, available, balance >= reward.price, remaining))
    return entries


@dataclass(frozen=True)
class DonorLine:
    partner: Partner
    donations: int
    units: int
    last_on: date


def honour_list(community_id: int, *, limit: int = 10) -> list[DonorLine]:
    """Donors by units given (爱心榜), most generous first."""
    stmt = (
        select(Partner, func.count(Donation.id), func.sum(Donation.quantity), func.max(Donation.received_on))
        .join(Donation, Donation.partner_id == Partner.id)
        .where(Partner.community_id == community_id)
        .group_by(Partner.id)
        .order_by(func.sum(Donation.quantity).desc(), Partner.name)
        .limit(limit)
    )
    return [DonorLine(p, n, int(units), last) for p, n, units, last in db.session.execute(stmt)]


def partners_of(community_id: int) -> list[Partner]:
    return list(db.session.scalars(select(Partner).where(Partner.community_id == community_id).order_by(Partner.name)))


def rewards_of(community_id: int) -> list[Reward]:
    return list(db.session.scalars(select(Reward).where(Reward.community_id == community_id)
                                   .order_by(Reward.is_listed.desc(), Reward.name)))


def held_units(reward_ids: list[int]) -> dict[int, int]:
    """Units promised to redemptions awaiting hand-over, per reward, from the stock ledger."""
    if not reward_ids:
        return {}
    rows = db.session.execute(
        select(StockMovement.reward_id, func.sum(StockMovement.held))
        .where(StockMovement.reward_id.in_(reward_ids)).group_by(StockMovement.reward_id)
    )
    return {rid: int(held or 0) for rid, held in rows}


def donations_of(community_id: int, *, reward_id: int | None = None, limit: int = 50) -> list[Donation]:
    stmt = (
        select(Donation).where(Donation.community_id == community_id)
        .options(selectinload(Donation.reward), selectinload(Donation.partner), selectinload(Donation.recorded_by))
        .order_by(Donation.received_on.desc(), Donation.id.desc()).limit(limit)
    )
    if reward_id is not None:
        stmt = stmt.where(Donation.reward_id == reward_id)
    return list(db.session.scalars(stmt))


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
# Settings, partners, rewards and donations (staff)


def _require_staff(staff: Resident, community: Unit) -> None:
    if not has_role(staff, Role.STAFF, community):
        raise NotAllowed()


def _community(community: Unit) -> Unit:
    if community.level != Level.COMMUNITY.value:
        raise InvalidInput(_l("Choose a community."), code="not_a_community")
    return community


def _text(value: str | None, *, field: str, max_length: int, required: bool = False, message=None) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(message or _l("This field is required."), code=f"{field}_required", field=field)
    if len(text) > max_length:
        raise InvalidInput(_l("At most %(n)d characters.", n=max_length), code=f"{field}_too_long", field=field)
    return text


@transaction
def save_bank_settings(
    community: Unit, *, staff: Resident, pickup_place: str, pickup_hours: str, pickup_days: int,
    now: datetime | None = None,
) -> Bank:
    _require_staff(staff, _community(community))
    if not isinstance(pickup_days, int) or not 1 <= pickup_days <= 90:
        raise InvalidInput(_l("Between 1 and 90 days."), code="invalid_pickup_days", field="pickup_days")
    bank = db.session.get(Bank, community.id, with_for_update=True)
    if bank is None:
        bank = Bank(community_id=community.id)
        db.session.add(bank)
    bank.pickup_place = _text(pickup_place, field="pickup_place", max_length=120)
    bank.pickup_hours = _text(pickup_hours, field="pickup_hours", max_length=120)
    bank.pickup_days = pickup_days
    bank.updated_at, bank.updated_by_id = now or utcnow(), staff.id
    db.session.flush()
    return bank


def _partner_fields(name: str, kind: PartnerKind | str, contact_name: str, contact_phone: str, address: str, note: str) -> dict:
    try:
        kind = PartnerKind(kind)
    except ValueError:
        raise InvalidInput(code="invalid_kind", field="kind") from None
    return {
        "name": _text(name, field="name", max_length=80, required=True, message=_l("Please enter the partner's name.")),
        "kind": kind.value,
        "contact_name": _text(contact_name, field="contact_name", max_length=40),
        "contact_phone": _text(contact_phone, field="contact_phone", max_length=20),
        "address": _text(address, field="address", max_length=120),
        "note": _text(note, field="note", max_length=500),
    }


def _unique_partner_name(community_id: int, name: str, partner_id: int | None = None) -> None:
    stmt = select(Partner.id).where(Partner.community_id == community_id, Partner.name == name)
    if partner_id is not None:
        stmt = stmt.where(Partner.id != partner_id)
    if db.session.scalar(stmt) is not None:
        raise InvalidInput(_l("There is already a partner with this name."), code="partner_exists", field="name")


@transaction
def create_partner(
    community: Unit, *, staff: Resident, name: str, kind: PartnerKind | str = PartnerKind.MERCHANT,
    contact_name: str = "", contact_phone: str = "", address: str = "", note: str = "",
) -> Partner:
    _require_staff(staff, _community(community))
    fields = _partner_fields(name, kind, contact_name, contact_phone, address, note)
    _unique_partner_name(community.id, fields["name"])
    partner = Partner(community_id=community.id, created_by_id=staff.id, **fields)
    db.session.add(partner)
    db.session.flush()
    return partner


@transaction
def update_partner(
    partner: Partner, *, staff: Resident, name: str, kind: PartnerKind | str, contact_name: str = "",
    contact_phone: str = "", address: str = "", note: str = "",
) -> Partner:
    _require_staff(staff, db.session.get(Unit, partner.community_id))
    fields = _partner_fields(name, kind, contact_name, contact_phone, address, note)
    _unique_partner_name(partner.community_id, fields["name"], partner.id)
    for key, value in fields.items():
        setattr(partner, key, value)
    db.session.flush()
    return partner


@dataclass
class RewardDetails:
    """What staff fill in for a reward; stock is not among it: it comes from donations only."""

    name: str
    price: int
    kind: RewardKind | str = RewardKind.GOODS
    description: str = ""
    limit_count: int | None = None
    limit_period: LimitPeriod | str | None = None
    available_from: date | None = None
    available_until: date | None = None
    partner_id: int | None = None
    is_listed: bool = True


def _reward_fields(community_id: int, details: RewardDetails) -> dict:
    name = _text(details.name, field="name", max_length=60, required=True, message=_l("Please enter the reward's name."))
    try:
        kind = RewardKind(details.kind)
    except ValueError:
        raise InvalidInput(code="invalid_kind", field="kind") from None
    if not isinstance(details.price, int) or not 1 <= details.price <= MAX_PRICE:
        raise InvalidInput(_l("The price is a whole number of points from 1 to %(n)d.", n=MAX_PRICE), code="invalid_price", field="price")
    limit_count, limit_period = details.limit_count, details.limit_period or None
    if limit_count in (None, 0):
        limit_count, limit_period = None, None
    else:
        if not isinstance(limit_count, int) or limit_count < 1 or limit_count > 1000:
            raise InvalidInput(_l("The limit is a whole number from 1 to 1000."), code="invalid_limit", field="limit_count")
        try:
            limit_period = LimitPeriod(limit_period).value if limit_period else None
        except ValueError:
            limit_period = None
        if limit_period is None:
            raise InvalidInput(_l("Choose the period the limit applies to."), code="invalid_limit", field="limit_period")
    if details.available_from and details.available_until and details.available_until < details.available_from:
        raise InvalidInput(_l("The last day comes before the first day."), code="invalid_dates", field="available_until")
    partner_id = details.partner_id or None
    if partner_id is not None:
        partner = db.session.get(Partner, partner_id)
        if partner is None or partner.community_id != community_id:
            raise InvalidInput(_l("Choose one of this community's partners."), code="invalid_partner", field="partner_id")
    return {
        "name": name, "kind": kind.value, "price": details.price,
        "description": _text(details.description, field="description", max_length=2000),
        "limit_count": limit_count, "limit_period": limit_period, "available_from": details.available_from,
        "available_until": details.available_until, "partner_id": partner_id, "is_listed": bool(details.is_listed),
    }


@transaction
def create_reward(
    community: Unit, details: RewardDetails, *, staff: Resident, photo: bytes | None = None,
    first_donation: int | None = None, donation_token: str | None = None, now: datetime | None = None,
) -> Reward:
    """Add a reward to the catalogue with no stock; `first_donation` units from its partner may come in at once."""
    _require_staff(staff, _community(community))
    reward = Reward(community_id=community.id, stock=0, created_by_id=staff.id, created_at=now or utcnow(),
                    **_reward_fields(community.id, details))
    if first_donation:
        if reward.partner_id is None:
            raise InvalidInput(_l("Choose the partner who donated the first stock."), code="invalid_partner", field="partner_id")
        _check_quantity(first_donation, field="first_donation")
    if photo:
        reward.photo = photos.store(photo)
    db.session.add(reward)
    db.session.flush()
    if first_donation:
        record_donation(
            reward, staff=staff, partner=db.session.get(Partner, reward.partner_id), quantity=first_donation,
            received_on=local_today(now), token=donation_token or secrets.token_urlsafe(16), now=now,
        )
    return reward


@transaction
def update_reward(
    reward: Reward, details: RewardDetails, *, staff: Resident, photo: bytes | None = None,
    remove_photo: bool = False,
) -> Reward:
    """Change what a reward is, costs or when it is offered. Requests already made keep their price."""
    _require_staff(staff, db.session.get(Unit, reward.community_id))
    fields = _reward_fields(reward.community_id, details)
    for key, value in fields.items():
        setattr(reward, key, value)
    if photo:
        reward.photo = photos.store(photo)
    elif remove_photo:
        reward.photo = None
    db.session.flush()
    return reward


def _check_token(token: str | None) -> str:
    """The form's one-time token (a double tap sends it twice); it names a row, so it must be sane."""
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise InvalidInput(code="invalid_token")
    return token


def _check_quantity(quantity: int, *, field: str = "quantity") -> None:
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_DONATION:
        raise InvalidInput(_l("A whole number from 1 to %(n)d.", n=MAX_DONATION), code="invalid_quantity", field=field)


@transaction
def record_donation(
    reward: Reward, *, staff: Resident, partner: Partner | None, quantity: int, received_on: date | None = None,
    note: str = "", token: str, now: datetime | None = None,
) -> Donation:
    """Book stock received from a partner. The form's token makes a double tap book it once."""
    _require_staff(staff, db.session.get(Unit, reward.community_id))
    # The reward's row is the lock that makes the token check race-free (and stock is changed under it anyway).
    db.session.execute(select(Reward.id).where(Reward.id == reward.id).with_for_update())
    key = f"donation:{reward.community_id}:{_check_token(token)}"
    booked = db.session.scalar(
        select(Donation).join(StockMovement, StockMovement.donation_id == Donation.id).where(StockMovement.key == key)
    )
    if booked is not None:
        return booked
    if partner is None or partner.community_id != reward.community_id:
        raise InvalidInput(_l("Choose one of this community's partners."), code="invalid_partner", field="partner_id")
    _check_quantity(quantity)
    today = local_today(now)
    received_on = received_on or today
    if received_on > today:
        raise InvalidInput(_l("The date cannot be in the future."), code="invalid_date", field="received_on")
    donation = Donation(
        community_id=reward.community_id, reward_id=reward.id, partner_id=partner.id, quantity=quantity,
        received_on=received_on, note=_text(note, field="note", max_length=200), recorded_at=now or utcnow(),
        recorded_by_id=staff.id,
    )
    db.session.add(donation)
    db.session.flush()
    db.session.execute(update(Reward).where(Reward.id == reward.id).values(stock=Reward.stock + quantity))
    db.session.add(StockMovement(
        reward_id=reward.id, kind=StockKind.DONATION.value, free=quantity, held=0, key=key, donation_id=donation.id,
        actor_id=staff.id, created_at=donation.recorded_at,
    ))
    db.session.flush()
    db.session.expire(reward, ["stock"])
    return donation


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
    if actor.id != resident.id and not has_role(actor, Role.STAFF, resident.community):
        raise NotAllowed()
    if reward.community_id != resident.community_id:
        raise NotAllowed(_l("This reward belongs to another community's bank."), code="other_community")
    token = _check_token(token)
    # The resident's row is the lock that makes the limit count and the token check race-free.
    db.session.execute(select(Resident.id).where(Resident.id == resident.id).with_for_update())
    replay = db.session.scalar(select(Redemption).where(Redemption.resident_id == resident.id, Redemption.request_token == token))
    if replay is not None:
        if replay.reward_id != reward.id:
            raise InvalidInput(code="token_reused")
        return replay

    db.session.refresh(reward)
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
    balance = ledger.balance_of(resident)
    if balance < reward.price:
        raise InsufficientPoints(_l("This reward needs %(price)d points; you have %(balance)d.",
                                    price=reward.price, balance=balance))

    taken = db.session.execute(update(Reward).where(Reward.id == reward.id, Reward.stock >= 1).values(stock=Reward.stock - 1))
    if taken.rowcount != 1:
        raise OutOfStock()
    redemption = Redemption(
        community_id=reward.community_id, reward_id=reward.id, resident_id=resident.id, request_token=token,
        points=reward.price, state=RedemptionState.REQUESTED.value, requested_at=now, requested_by_id=actor.id,
        expires_at=now + timedelta(days=bank_for(reward.community_id).pickup_days),
    )
    db.session.add(redemption)
    db.session.flush()
    _move_stock(redemption, StockKind.HOLD, actor=actor, now=now)
    # Last, because it locks the whole community's ledger until commit: the shorter that holds, the better.
    held = ledger.hold(resident, redemption.points, key=f"redemption:{redemption.id}:hold",
                       cause=("redemption", redemption.id), memo=reward.name, actor=actor, now=now)
    redemption.hold_id = held.id
    db.session.flush()
    db.session.expire(reward, ["stock"])
    return redemption


@transaction
def approve_redemption(redemption: Redemption, *, staff: Resident, now: datetime | None = None) -> Redemption:
    """Staff say yes: the resident gets a pickup code, and the pickup window starts again from now."""
    now = now or utcnow()
    redemption = _lock(redemption)
    _require_staff(staff, db.session.get(Unit, redemption.community_id))
    _own(redemption, staff)
    _check_step(redemption, RedemptionState.APPROVED, now)
    redemption.state = RedemptionState.APPROVED.value
    redemption.decided_at, redemption.decided_by_id = now, staff.id
    redemption.expires_at = now + timedelta(days=bank_for(redemption.community_id).pickup_days)
    redemption.pickup_code = _new_pickup_code()
    db.session.flush()
    return redemption


@transaction
def reject_redemption(redemption: Redemption, *, staff: Resident, reason: str, now: datetime | None = None) -> Redemption:
    now = now or utcnow()
    redemption = _lock(redemption)
    _require_staff(staff, db.session.get(Unit, redemption.community_id))
    _own(redemption, staff)
    if not (reason or "").strip():
        raise ReasonRequired(field="reason")
    _check_step(redemption, RedemptionState.REJECTED, now, check_expiry=False)
    redemption.decided_at, redemption.decided_by_id = now, staff.id
    return _void(redemption, RedemptionState.REJECTED, actor=staff, reason=reason.strip(), now=now)


@transaction
def cancel_redemption(redemption: Redemption, *, actor: Resident, reason: str = "", now: datetime | None = None) -> Redemption:
    """The resident withdraws before hand-over, or staff do it for them (with a reason)."""
    now = now or utcnow()
    redemption = _lock(redemption)
    if actor.id != redemption.resident_id:
        _require_staff(actor, db.session.get(Unit, redemption.community_id))
        if not (reason or "").strip():
            raise ReasonRequired(field="reason")
    _check_step(redemption, RedemptionState.CANCELLED, now, check_expiry=False)
    return _void(redemption, RedemptionState.CANCELLED, actor=actor, reason=(reason or "").strip(), now=now)


@transaction
def fulfil_redemption(redemption: Redemption, *, staff: Resident, now: datetime | None = None) -> Redemption:
    """Hand-over: the held points become redeemed and the held unit leaves the shelf."""
    now = now or utcnow()
    redemption = _lock(redemption)
    _require_staff(staff, db.session.get(Unit, redemption.community_id))
    _own(redemption, staff)
    if redemption.status == RedemptionState.REQUESTED:
        raise WrongState(_l("This redemption has not been approved yet."), code="not_approved")
    _check_step(redemption, RedemptionState.FULFILLED, now)
    _move_stock(redemption, StockKind.SETTLE, actor=staff, now=now)
    ledger.settle(redemption.hold, actor=staff, now=now)
    redemption.state = RedemptionState.FULFILLED.value
    redemption.closed_at, redemption.closed_by_id = now, staff.id
    db.session.flush()
    return redemption


@transaction
def expire_redemption(redemption: Redemption, *, now: datetime | None = None) -> Redemption:
    """Past its pickup window: give the points and the unit back. A redemption not yet due is refused."""
    now = now or utcnow()
    redemption = _lock(redemption)
    _check_step(redemption, RedemptionState.EXPIRED, now, check_expiry=False)
    if redemption.expires_at > now:
        raise WrongState(_l("This redemption is not due to expire yet."), code="not_due")
    return _void(redemption, RedemptionState.EXPIRED, actor=None, reason="", now=now)


def expire_due(*, now: datetime | None = None, batch: int = 500) -> int:
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
                expire_redemption(redemption, now=now)
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


def _own(redemption: Redemption, staff: Resident) -> None:
    if redemption.resident_id == staff.id:
        raise NotAllowed(_l("Another staff member must handle your own redemption."), code="own_redemption")


def _check_step(redemption: Redemption, target: RedemptionState, now: datetime, *, check_expiry: bool = True) -> None:
    current = redemption.status
    if not current.can_become(target):
        raise WrongState(WRONG_STATE_MESSAGES.get(current), code=f"already_{current.value}", state=current.value)
    if check_expiry and redemption.expires_at <= now:
        raise PickupExpired()


def _void(redemption: Redemption, state: RedemptionState, *, actor: Resident | None, reason: str, now: datetime) -> Redemption:
    db.session.execute(update(Reward).where(Reward.id == redemption.reward_id).values(stock=Reward.stock + 1))
    _move_stock(redemption, StockKind.VOID, actor=actor, now=now)
    ledger.void(redemption.hold, actor=actor, reason=reason, now=now)
    redemption.state = state.value
    redemption.closed_at, redemption.closed_by_id = now, actor.id if actor else None
    redemption.reason = reason[:500]
    db.session.flush()
    db.session.expire(redemption.reward, ["stock"])
    return redemption


def _move_stock(redemption: Redemption, kind: StockKind, *, actor: Resident | None, now: datetime) -> None:
    free, held = STOCK_EFFECT[kind]
    db.session.add(StockMovement(
        reward_id=redemption.reward_id, kind=kind.value, free=free, held=held,
        key=f"redemption:{redemption.id}:{kind.value}", redemption_id=redemption.id,
        actor_id=actor.id if actor else None, created_at=now,
    ))
    db.session.flush()


def _new_pickup_code() -> str:
    while True:
        code = "".join(secrets.choice(MEMBER_CODE_ALPHABET) for _ in range(PICKUP_CODE_LENGTH))
        if db.session.scalar(select(Redemption.id).where(Redemption.pickup_code == code)) is None:
            return code
