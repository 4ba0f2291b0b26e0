"""A community's periods and threshold, its lists: scope categories (协商范围) and the negative list (五不议), and
its own working days."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...db import UTCDateTime, db, utcnow
from .states import DEFAULT_OBJECTION_DAYS, DEFAULT_RATING_DAYS, DEFAULT_SCREENING_DAYS, DEFAULT_THRESHOLD_PERCENT


class ProposalSettings(db.Model):
    """A community's periods and threshold; absent means the defaults."""

    __tablename__ = "proposal_settings"
    __table_args__ = (
        CheckConstraint("screening_days BETWEEN 1 AND 60", name="screening_days"),
        CheckConstraint("objection_days BETWEEN 1 AND 60", name="objection_days"),
        CheckConstraint("rating_days BETWEEN 1 AND 90", name="rating_days"),
        CheckConstraint("threshold_percent BETWEEN 0 AND 99", name="threshold_percent"),
    )

    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    screening_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_SCREENING_DAYS)
    objection_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_OBJECTION_DAYS)
    rating_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_RATING_DAYS)
    threshold_percent: Mapped[int] = mapped_column(Integer, default=DEFAULT_THRESHOLD_PERCENT)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))


class Category(db.Model):
    """A scope category (协商范围) of a community."""

    __tablename__ = "proposal_categories"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class NegativeListItem(db.Model):
    """A reason a community does not take a matter up (五不议 / 负面清单)."""

    __tablename__ = "proposal_negative_items"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class WorkingDayOverride(db.Model):
    """A day a community counts otherwise than China's calendar does (a local holiday, a day worked in exchange
    that the calendar does not know yet): deadlines in working days read it."""

    __tablename__ = "working_day_overrides"
    __table_args__ = (UniqueConstraint("community_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
