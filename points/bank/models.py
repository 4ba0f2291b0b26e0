"""The public-welfare bank (公益银行): partners, rewards, donations, the stock ledger and redemptions.

`Reward.stock` is the number of units free to request; it changes only by conditional UPDATE in the same
database transaction as the `StockMovement` row that justifies it, the way the points ledger caches balances.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, Time, UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Resident
from ..db import UTCDateTime, db, enum_check, utcnow
from ..ledger.models import Transaction
from ..units.models import Unit

DEFAULT_PICKUP_DAYS = 7  # §9
# When the desk is open unless staff say otherwise: working days, 9:00–17:00 local time. Pickup deadlines end
# at the close of an opening period, never at 19:02 when nobody is there.
DEFAULT_OPEN_DAYS = "12345"  # ISO weekdays, Monday = 1
DEFAULT_OPENS_AT = time(9, 0)
DEFAULT_CLOSES_AT = time(17, 0)
PICKUP_QR_PREFIX = "POINTS:R:"
REWARD_PHOTOS = "rewards"  # the folder of reward photos under uploads/


class Bank(db.Model):
    """A community's bank: where and when rewards are collected, and how long an approved one waits."""

    __tablename__ = "banks"
    __table_args__ = (
        CheckConstraint("pickup_days BETWEEN 1 AND 90", name="pickup_days"),
        CheckConstraint("closes_at > opens_at", name="opening_hours"),
        CheckConstraint("open_days <> ''", name="open_days"),
    )

    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    pickup_place: Mapped[str] = mapped_column(String(120), default="")
    # A note on the opening hours residents read (节假日除外…); the hours themselves are the three columns below.
    pickup_hours: Mapped[str] = mapped_column(String(120), default="")
    pickup_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_PICKUP_DAYS)
    # The desk's opening hours in local time: the days ("12345", ISO weekdays) and one period a day.
    open_days: Mapped[str] = mapped_column(String(7), default=DEFAULT_OPEN_DAYS)
    opens_at: Mapped[time] = mapped_column(Time, default=DEFAULT_OPENS_AT)
    closes_at: Mapped[time] = mapped_column(Time, default=DEFAULT_CLOSES_AT)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))


class PartnerKind(enum.StrEnum):
    ORGANISATION = "organisation"  # 共建单位: a school, hospital, company or office that co-builds the community
    MERCHANT = "merchant"  # 商户: a shop or business nearby

    @property
    def label(self) -> str:
        return str(PARTNER_KIND_LABELS[self])


PARTNER_KIND_LABELS = {PartnerKind.ORGANISATION: _l("Partner organisation"), PartnerKind.MERCHANT: _l("Merchant")}


class Partner(db.Model):
    """A donor: 共建单位 or 商户, with someone to call about deliveries."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("community_id", "name"), enum_check("kind", PartnerKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default=PartnerKind.MERCHANT.value)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    @property
    def kind_label(self) -> str:
        return PartnerKind(self.kind).label


class RewardKind(enum.StrEnum):
    GOODS = "goods"  # rice, oil, household items
    SERVICE = "service"  # a haircut, an appliance repair, a health check
    PRIVILEGE = "privilege"  # a parking space for a month, first choice of activity seats

    @property
    def label(self) -> str:
        return str(REWARD_KIND_LABELS[self])


REWARD_KIND_LABELS = {RewardKind.GOODS: _l("Goods"), RewardKind.SERVICE: _l("Service"), RewardKind.PRIVILEGE: _l("Privilege")}


class LimitPeriod(enum.StrEnum):
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    EVER = "ever"

    @property
    def label(self) -> str:
        """"a month", as in "up to 1 per resident a month"."""
        return str(LIMIT_PERIOD_LABELS[self])

    @property
    def current_label(self) -> str:
        """"this month", as in "1 more for you this month"."""
        return str(CURRENT_PERIOD_LABELS[self])


LIMIT_PERIOD_LABELS = {
    LimitPeriod.WEEK: _l("a week"), LimitPeriod.MONTH: _l("a month"), LimitPeriod.YEAR: _l("a year"),
    LimitPeriod.EVER: _l("in total"),
}
CURRENT_PERIOD_LABELS = {
    LimitPeriod.WEEK: _l("this week"), LimitPeriod.MONTH: _l("this month"), LimitPeriod.YEAR: _l("this year"),
    LimitPeriod.EVER: _l("in total"),
}


class Reward(db.Model):
    """An item, service or privilege in a community's catalogue (兑换品)."""

    __tablename__ = "rewards"
    __table_args__ = (
        enum_check("kind", RewardKind),
        enum_check("limit_period", LimitPeriod, nullable=True),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("limit_count IS NULL OR (limit_count > 0 AND limit_period IS NOT NULL)", name="limit"),
        CheckConstraint("available_until IS NULL OR available_from IS NULL OR available_until >= available_from",
                        name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(16), default=RewardKind.GOODS.value)
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[int] = mapped_column(Integer)
    # Units free to request. Changed only together with a StockMovement, by conditional UPDATE.
    stock: Mapped[int] = mapped_column(Integer, default=0)
    limit_count: Mapped[int | None] = mapped_column(Integer)
    limit_period: Mapped[str | None] = mapped_column(String(8))
    # Local calendar dates (Asia/Shanghai), both inclusive; None means open-ended.
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date | None] = mapped_column(Date)
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    # Token naming the re-encoded files under instance/uploads/rewards/ (changes with every new photo).
    photo: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    partner: Mapped[Partner | None] = relationship()
    community: Mapped[Unit] = relationship()

    @property
    def kind_label(self) -> str:
        return RewardKind(self.kind).label

    @property
    def limit(self) -> tuple[int, LimitPeriod] | None:
        if self.limit_count is None or self.limit_period is None:
            return None
        return self.limit_count, LimitPeriod(self.limit_period)


class Donation(db.Model):
    """Stock received from a partner (捐赠入库): who gave what, how many, when. The only way stock comes in."""

    __tablename__ = "donations"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    reward: Mapped[Reward] = relationship()
    partner: Mapped[Partner] = relationship()
    recorded_by: Mapped[Resident | None] = relationship()


class StockKind(enum.StrEnum):
    DONATION = "donation"  # +n free
    HOLD = "hold"  # one unit free → held (a redemption was requested)
    SETTLE = "settle"  # one held unit leaves the shelf (handed over)
    VOID = "void"  # one held unit back to free (rejected, cancelled or expired)
    UNSETTLE = "unsettle"  # a hand-over undone: the unit is back on the shelf, held for the redemption again


# What each kind of movement does to (free, held): the checker holds every row to this.
STOCK_EFFECT: dict[StockKind, tuple[int, int]] = {
    StockKind.HOLD: (-1, 1),
    StockKind.SETTLE: (0, -1),
    StockKind.VOID: (1, -1),
    StockKind.UNSETTLE: (0, 1),
}


class StockMovement(db.Model):
    """One line of a reward's stock ledger. Append-only: rows are inserted, never updated or deleted.

    Per reward, sum(free) is the stock free to request (= Reward.stock) and sum(held) the units promised to
    redemptions awaiting hand-over; free + held is what stands on the shelf.
    """

    __tablename__ = "stock_movements"
    __table_args__ = (CheckConstraint("free <> 0 OR held <> 0", name="nonzero"), enum_check("kind", StockKind))

    id: Mapped[int] = mapped_column(primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    free: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer, default=0)
    # "donation:12", "redemption:9:hold": the same natural keys as the points ledger, so a replay books nothing.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    donation_id: Mapped[int | None] = mapped_column(ForeignKey("donations.id"))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemptions.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RedemptionState(enum.StrEnum):
    REQUESTED = "requested"  # 待审核: points and one unit held, waiting for staff
    APPROVED = "approved"  # 待领取: the pickup code is live
    FULFILLED = "fulfilled"  # 已领取: handed over, hold settled
    REJECTED = "rejected"  # 未通过: staff said no, hold voided
    CANCELLED = "cancelled"  # 已取消: the resident (or staff for them) withdrew, hold voided
    EXPIRED = "expired"  # 已过期: not collected within the pickup window, hold voided

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self])

    @property
    def is_holding(self) -> bool:
        return self in HOLDING

    def can_become(self, target: RedemptionState) -> bool:
        return target in TRANSITIONS[self]


# The redemption workflow, in one place.
TRANSITIONS: dict[RedemptionState, frozenset[RedemptionState]] = {
    RedemptionState.REQUESTED: frozenset({RedemptionState.APPROVED, RedemptionState.REJECTED,
                                          RedemptionState.CANCELLED, RedemptionState.EXPIRED}),
    RedemptionState.APPROVED: frozenset({RedemptionState.FULFILLED, RedemptionState.CANCELLED, RedemptionState.EXPIRED}),
    RedemptionState.FULFILLED: frozenset(),
    RedemptionState.REJECTED: frozenset(),
    RedemptionState.CANCELLED: frozenset(),
    RedemptionState.EXPIRED: frozenset(),
}
# One step back, outside the table: `undo_handover` takes a hand-over back (FULFILLED → APPROVED) within
# HANDOVER_UNDO_MINUTES, for a mistake seen at the desk; nothing else leaves FULFILLED.
HANDOVER_UNDO_MINUTES = 15
HOLDING = frozenset({RedemptionState.REQUESTED, RedemptionState.APPROVED})
VOIDED = frozenset({RedemptionState.REJECTED, RedemptionState.CANCELLED, RedemptionState.EXPIRED})

STATE_LABELS = {
    RedemptionState.REQUESTED: _l("Waiting for approval"),
    RedemptionState.APPROVED: _l("Ready to collect"),
    RedemptionState.FULFILLED: _l("Collected"),
    RedemptionState.REJECTED: _l("Not approved"),
    RedemptionState.CANCELLED: _l("Cancelled"),
    RedemptionState.EXPIRED: _l("Expired"),
}


class Redemption(db.Model):
    """A resident's request for one unit of a reward (兑换), from hold to settle or void."""

    __tablename__ = "redemptions"
    __table_args__ = (
        enum_check("state", RedemptionState),
        CheckConstraint("points > 0", name="points_positive"),
        # A double tap or a resubmitted page asks once: the form's token is fixed when the page is drawn.
        UniqueConstraint("resident_id", "request_token"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    request_token: Mapped[str] = mapped_column(String(64))
    # The price when asked: a later price change does not touch a request already made.
    points: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=RedemptionState.REQUESTED.value)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    # Waiting requests and approved pickups both lapse at expires_at (the pickup window restarts on approval).
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    # The points held for it (ledger_transactions, kind hold); settle and void close exactly this hold.
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"), unique=True)
    pickup_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")

    reward: Mapped[Reward] = relationship()
    hold: Mapped[Transaction | None] = relationship()
    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    decided_by: Mapped[Resident | None] = relationship(foreign_keys=[decided_by_id])
    closed_by: Mapped[Resident | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def status(self) -> RedemptionState:
        return RedemptionState(self.state)

    @property
    def pickup_qr_payload(self) -> str:
        return PICKUP_QR_PREFIX + (self.pickup_code or "")

    @property
    def pickup_code_display(self) -> str:
        code = self.pickup_code or ""
        return f"{code[:3]} {code[3:]}" if len(code) == 6 else code

    def __repr__(self) -> str:
        return f"<Redemption {self.id} {self.state} reward={self.reward_id} resident={self.resident_id}>"


Index("ix_redemptions_queue", Redemption.community_id, Redemption.state, Redemption.requested_at)
Index("ix_redemptions_resident", Redemption.resident_id, Redemption.requested_at)
Index("ix_redemptions_due", Redemption.state, Redemption.expires_at)
