"""The bank's catalogue from the staff side: settings, partners, rewards and donations (stock comes in only here)."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ... import clock
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...units.models import Level, Unit
from ... import photos
from ..models import (
    DEFAULT_CLOSES_AT, DEFAULT_OPEN_DAYS, DEFAULT_OPENS_AT, DEFAULT_PICKUP_DAYS, REWARD_PHOTOS, Bank, Donation, LimitPeriod, Partner, PartnerKind, Reward, RewardKind, StockKind, StockMovement,
)
from .errors import InvalidInput, check_token, text_field
from .hours import OpeningHours, pickup_deadline

MAX_PRICE = 100_000
MAX_DONATION = 10_000


@dataclass(frozen=True)
class BankSettings:
    community_id: int
    pickup_place: str = ""
    pickup_hours: str = ""  # a note on the hours (节假日除外…)
    pickup_days: int = DEFAULT_PICKUP_DAYS
    open_days: str = DEFAULT_OPEN_DAYS
    opens_at: time = DEFAULT_OPENS_AT
    closes_at: time = DEFAULT_CLOSES_AT

    @property
    def hours(self) -> OpeningHours:
        return OpeningHours(self.open_days, self.opens_at, self.closes_at)

    def pickup_deadline(self, now: datetime) -> datetime:
        """When a request made (or approved) at `now` lapses: the pickup window, ending when the desk closes."""
        return pickup_deadline(self.hours, now=now, days=self.pickup_days)


def get_reward(reward_id: int | None) -> Reward | None:
    return db.session.get(Reward, reward_id) if reward_id else None


def get_partner(partner_id: int | None) -> Partner | None:
    return db.session.get(Partner, partner_id) if partner_id else None


def bank_for(community_id: int) -> BankSettings:
    return settings_of(community_id, db.session.get(Bank, community_id))


def settings_of(community_id: int, row: Bank | None) -> BankSettings:
    """The settings a bank row says, or the defaults where the community has none (a row read along with others)."""
    if row is None:
        return BankSettings(community_id)
    return BankSettings(community_id, row.pickup_place, row.pickup_hours, row.pickup_days,
                        row.open_days, row.opens_at, row.closes_at)


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


def _community(community: Unit) -> Unit:
    if community.level != Level.COMMUNITY.value:
        raise InvalidInput(_l("Choose a community."), code="not_a_community")
    return community


@transaction
def save_bank_settings(
    community: Unit, *, staff: Resident, pickup_place: str, pickup_hours: str, pickup_days: int,
    open_days: str | None = None, opens_at: time | None = None, closes_at: time | None = None,
    now: datetime | None = None,
) -> Bank:
    """Opening hours left out (None) stay as they are (the defaults for a new bank)."""
    require(staff, Role.STAFF, _community(community))
    if not isinstance(pickup_days, int) or not 1 <= pickup_days <= 90:
        raise InvalidInput(_l("Between 1 and 90 days."), code="invalid_pickup_days", field="pickup_days")
    if open_days is not None:
        open_days = "".join(sorted(set(open_days)))
        if not open_days or not set(open_days) <= set("1234567"):
            raise InvalidInput(_l("Choose at least one opening day."), code="no_open_days", field="open_days")
    bank = db.session.get(Bank, community.id, with_for_update=True)
    if bank is None:
        bank = Bank(community_id=community.id)
        db.session.add(bank)
    bank.pickup_place = text_field(pickup_place, field="pickup_place", max_length=120)
    bank.pickup_hours = text_field(pickup_hours, field="pickup_hours", max_length=120)
    bank.pickup_days = pickup_days
    bank.open_days = open_days or bank.open_days or DEFAULT_OPEN_DAYS
    bank.opens_at = opens_at or bank.opens_at or DEFAULT_OPENS_AT
    bank.closes_at = closes_at or bank.closes_at or DEFAULT_CLOSES_AT
    if bank.closes_at <= bank.opens_at:
        raise InvalidInput(_l("The desk must close after it opens."), code="closes_before_opening", field="closes_at")
    bank.updated_at, bank.updated_by_id = now or utcnow(), staff.id
    db.session.flush()
    return bank


def _partner_fields(name: str, kind: PartnerKind | str, contact_name: str, contact_phone: str, address: str, note: str) -> dict:
    try:
        kind = PartnerKind(kind)
    except ValueError:
        raise InvalidInput(code="invalid_kind", field="kind") from None
    return {
        "name": text_field(name, field="name", max_length=80, required=True, message=_l("Please enter the partner's name.")),
        "kind": kind.value,
        "contact_name": text_field(contact_name, field="contact_name", max_length=40),
        "contact_phone": text_field(contact_phone, field="contact_phone", max_length=20),
        "address": text_field(address, field="address", max_length=120),
        "note": text_field(note, field="note", max_length=500),
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
    require(staff, Role.STAFF, _community(community))
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
    require(staff, Role.STAFF, db.session.get(Unit, partner.community_id))
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
    name = text_field(details.name, field="name", max_length=60, required=True, message=_l("Please enter the reward's name."))
    try:
        kind = RewardKind(details.kind)
    except ValueError:
        raise InvalidInput(code="invalid_kind", field="kind") from None
    if not isinstance(details.price, int) or not 1 <= details.price <= MAX_PRICE:
        raise InvalidInput(_l("The price is a whole number of points from 1 to %(n)d.", n=MAX_PRICE),
                           code="invalid_price", field="price")
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
        "description": text_field(details.description, field="description", max_length=2000),
        "limit_count": limit_count, "limit_period": limit_period, "available_from": details.available_from,
        "available_until": details.available_until, "partner_id": partner_id, "is_listed": bool(details.is_listed),
    }


@transaction
def create_reward(
    community: Unit, details: RewardDetails, *, staff: Resident, photo: bytes | None = None,
    first_donation: int | None = None, donation_token: str | None = None, now: datetime | None = None,
) -> Reward:
    """Add a reward to the catalogue with no stock; `first_donation` units from its partner may come in at once."""
    require(staff, Role.STAFF, _community(community))
    reward = Reward(community_id=community.id, stock=0, created_by_id=staff.id, created_at=now or utcnow(),
                    **_reward_fields(community.id, details))
    if first_donation:
        if reward.partner_id is None:
            raise InvalidInput(_l("Choose the partner who donated the first stock."), code="invalid_partner", field="partner_id")
        _check_quantity(first_donation, field="first_donation")
    if photo:
        reward.photo = photos.store(photo, REWARD_PHOTOS)
    db.session.add(reward)
    db.session.flush()
    if first_donation:
        record_donation(
            reward, staff=staff, partner=db.session.get(Partner, reward.partner_id), quantity=first_donation,
            received_on=clock.local_date(now), token=donation_token or secrets.token_urlsafe(16), now=now,
        )
    return reward


@transaction
def update_reward(
    reward: Reward, details: RewardDetails, *, staff: Resident, photo: bytes | None = None,
    remove_photo: bool = False,
) -> Reward:
    """Change what a reward is, costs or when it is offered. Requests already made keep their price."""
    require(staff, Role.STAFF, db.session.get(Unit, reward.community_id))
    fields = _reward_fields(reward.community_id, details)
    for key, value in fields.items():
        setattr(reward, key, value)
    if photo:
        reward.photo = photos.store(photo, REWARD_PHOTOS)
    elif remove_photo:
        reward.photo = None
    db.session.flush()
    return reward
def _check_quantity(quantity: int, *, field: str = "quantity") -> None:
    if not isinstance(quantity, int) or not 1 <= quantity <= MAX_DONATION:
        raise InvalidInput(_l("A whole number from 1 to %(n)d.", n=MAX_DONATION), code="invalid_quantity", field=field)


@transaction
def record_donation(
    reward: Reward, *, staff: Resident, partner: Partner | None, quantity: int, received_on: date | None = None,
    note: str = "", token: str, now: datetime | None = None,
) -> Donation:
    """Book stock received from a partner. The form's token makes a double tap book it once."""
    require(staff, Role.STAFF, db.session.get(Unit, reward.community_id))
    # The reward's row is the lock that makes the token check race-free (and stock is changed under it anyway).
    db.session.execute(select(Reward.id).where(Reward.id == reward.id).with_for_update())
    key = f"donation:{reward.community_id}:{check_token(token)}"
    booked = db.session.scalar(
        select(Donation).join(StockMovement, StockMovement.donation_id == Donation.id).where(StockMovement.key == key)
    )
    if booked is not None:
        return booked
    if partner is None or partner.community_id != reward.community_id:
        raise InvalidInput(_l("Choose one of this community's partners."), code="invalid_partner", field="partner_id")
    _check_quantity(quantity)
    today = clock.local_date(now)
    received_on = received_on or today
    if received_on > today:
        raise InvalidInput(_l("The date cannot be in the future."), code="invalid_date", field="received_on")
    donation = Donation(
        community_id=reward.community_id, reward_id=reward.id, partner_id=partner.id, quantity=quantity,
        received_on=received_on, note=text_field(note, field="note", max_length=200), recorded_at=now or utcnow(),
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

