"""The resident's inbox (消息)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ...db import UTCDateTime, db, utcnow


class Notification(db.Model):
    """One message in a resident's inbox (消息). Not a 公示: that is the public notice of a decision."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_resident", "resident_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    # What it tells of ("proposal_accepted", "redemption_approved"…): picks the sentence, worded when shown, so each
    # reader gets their own language.
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120), default="")  # the case's title, the reward's name
    target: Mapped[str] = mapped_column(String(40), default="")  # what it links to: "proposal:12", "redemption:9"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
