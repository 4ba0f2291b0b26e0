"""A community's periods and threshold, and its lists: scope categories (协商范围) and the negative list (五不议)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint,
)
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
