"""Votes at a meeting and residents' ballots."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ...db import UTCDateTime, db, enum_check, utcnow
from .enums import Choice, VoteMethod


class Vote(db.Model):
    """A decision put to the meeting (表决): on the phones of checked-in residents, or by a show of hands."""

    __tablename__ = "meeting_votes"
    __table_args__ = (
        enum_check("method", VoteMethod),
        CheckConstraint("yes >= 0 AND no >= 0 AND abstain >= 0", name="counts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    question: Mapped[str] = mapped_column(String(300))
    method: Mapped[str] = mapped_column(String(16))
    # For a show of hands, the counts staff entered; for phones, filled from the ballots when the vote closes.
    yes: Mapped[int] = mapped_column(Integer, default=0)
    no: Mapped[int] = mapped_column(Integer, default=0)
    abstain: Mapped[int] = mapped_column(Integer, default=0)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))

    @property
    def cast(self) -> int:
        return self.yes + self.no + self.abstain

    @property
    def passed(self) -> bool:
        """More than half of the votes cast are in favour."""
        return self.yes * 2 > self.cast


class Ballot(db.Model):
    __tablename__ = "meeting_ballots"
    __table_args__ = (
        UniqueConstraint("vote_id", "resident_id"),
        enum_check("choice", Choice),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(ForeignKey("meeting_votes.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    choice: Mapped[str] = mapped_column(String(8))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
