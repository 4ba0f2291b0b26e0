"""The check-in log (append-only: every attempt one row), its undos, and the tickets that carry a scan through login."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import Resident
from ...db import UTCDateTime, db, enum_check, utcnow
from .enums import Reason, Route, Step
from .meetings import Meeting, Venue


class Checkin(db.Model):
    """One check-in attempt: a success, or a refusal with its reason. Never updated, never deleted."""

    __tablename__ = "checkins"
    __table_args__ = (
        enum_check("route", Route),
        enum_check("reason", Reason, nullable=True),
        enum_check("step", Step),
        CheckConstraint("is_success = (reason IS NULL)", name="success_or_reason"),
        CheckConstraint("NOT is_success OR ((meeting_id IS NOT NULL OR activity_id IS NOT NULL) AND resident_id IS NOT NULL)",
                        name="success_has_who"),
        # One standing success per resident per meeting, held by the database rather than a read-then-insert.
        # `round` counts earlier successes that staff undid, so an undone resident can be checked in again.
        Index("uq_checkins_one_success", "meeting_id", "resident_id", "round", unique=True,
              sqlite_where=text("is_success"), postgresql_where=text("is_success")),
        # A device's nonce is answered once; a replay gets the stored answer.
        Index("uq_checkins_nonce", "actor_id", "nonce", unique=True,
              sqlite_where=text("nonce IS NOT NULL"), postgresql_where=text("nonce IS NOT NULL")),
        # The same for an activity (volunteering), one standing success per step: one check-in, one check-out.
        Index("uq_checkins_one_activity_success", "activity_id", "resident_id", "round", "step", unique=True,
              sqlite_where=text("is_success"), postgresql_where=text("is_success")),
        Index("ix_checkins_meeting", "meeting_id", "id"),
        Index("ix_checkins_activity", "activity_id", "id"),
        Index("ix_checkins_resident", "resident_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    # A volunteer activity (a higher domain's table, named by string: this package never imports it).
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    step: Mapped[str] = mapped_column(String(8), default=Step.IN.value)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))  # None: not logged in, unknown code
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))  # who did it: staff, or the resident
    route: Mapped[str] = mapped_column(String(16))
    is_success: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(24))
    # The closest cause within the reason (too_early, other_community…): picks the sentence `explain` says.
    detail: Mapped[str] = mapped_column(String(32), default="")
    round: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    # For `already_checked_in`: the success that stands.
    original_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    code: Mapped[str] = mapped_column(String(64), default="")  # what was scanned or typed, cut short
    device: Mapped[str] = mapped_column(String(200), default="")  # user agent, or the API token's name
    nonce: Mapped[str | None] = mapped_column(String(64))
    # When the code was read, if earlier than `created_at` (a scan carried through login in a ticket).
    scanned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting: Mapped[Meeting | None] = relationship(foreign_keys=[meeting_id])
    activity = relationship("Activity", foreign_keys=[activity_id])
    venue: Mapped[Venue | None] = relationship(foreign_keys=[venue_id])
    resident: Mapped[Resident | None] = relationship(foreign_keys=[resident_id])
    actor: Mapped[Resident | None] = relationship(foreign_keys=[actor_id])
    original: Mapped[Checkin | None] = relationship(remote_side=[id], foreign_keys=[original_id])
    undo: Mapped[CheckinUndo | None] = relationship(back_populates="checkin", uselist=False)

    @property
    def ok(self) -> bool:
        return self.is_success

    @property
    def target(self):
        """What was checked into (a `Checkable`): the meeting, or the activity."""
        return self.meeting if self.meeting_id is not None else self.activity

    @property
    def is_checkout(self) -> bool:
        return self.step == Step.OUT

    def __repr__(self) -> str:
        return f"<Checkin {self.id} m{self.meeting_id} r{self.resident_id} {self.reason or 'ok'}>"


class CheckinUndo(db.Model):
    """Staff undid a mistaken check-in; its points were reversed in the same transaction."""

    __tablename__ = "checkin_undos"

    id: Mapped[int] = mapped_column(primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id"), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    reason: Mapped[str] = mapped_column(String(500))
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    checkin: Mapped[Checkin] = relationship(back_populates="undo")
    actor: Mapped[Resident] = relationship(foreign_keys=[actor_id])


class CheckinTicket(db.Model):
    """A scan validated before login, carried through it: a slow login does not fail an honest resident."""

    __tablename__ = "checkin_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id"))
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))  # or a volunteer activity
    route: Mapped[str] = mapped_column(String(16))
    slot: Mapped[int | None] = mapped_column(Integer)  # the kiosk slot that was read, if any
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))  # set when used
    # The first resident to use the ticket claims it with a conditional UPDATE; nobody else can.
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    venue: Mapped[Venue] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    activity = relationship("Activity")

    @property
    def target(self):
        return self.meeting if self.meeting_id is not None else self.activity
