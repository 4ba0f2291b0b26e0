"""Standing's own tables: a community's level ladder, badges earned, residents' public-list choices, index weights."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, db, utcnow


class LevelStep(db.Model):
    """One rung of a community's level ladder: from `threshold` lifetime earned points, the level is `name`.
    A community without rows uses the default ladder (`levels.DEFAULT_LADDER`)."""

    __tablename__ = "standing_levels"
    __table_args__ = (
        UniqueConstraint("community_id", "threshold"),
        CheckConstraint("threshold >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    threshold: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))


class EarnedBadge(db.Model):
    """A badge a resident earned; at most one of each, whatever replays or races (the unique constraint)."""

    __tablename__ = "standing_badges"
    __table_args__ = (UniqueConstraint("resident_id", "badge"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    badge: Mapped[str] = mapped_column(String(32))
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PublicChoice(db.Model):
    """What a resident chose about public lists: show the full name (else masked, 王**), or stay off them all."""

    __tablename__ = "standing_public_choices"

    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), primary_key=True)
    is_name_shown: Mapped[bool] = mapped_column(Boolean, default=False)
    is_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IndexWeight(db.Model):
    """A community's override of one weight or target of the pioneer or fortress index (`indices.DEFAULTS`)."""

    __tablename__ = "standing_index_weights"
    __table_args__ = (
        UniqueConstraint("community_id", "key"),
        CheckConstraint("value >= 0", name="value_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    key: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
