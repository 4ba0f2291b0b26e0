"""Venues (议事点), meetings and the residents invited to them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...accounts.models import Resident
from ...db import UTCDateTime, db, enum_check, utcnow
from ...units.models import Unit
from ..earning import MEETING_ATTENDED
from .enums import Audience, InviteeRole, MeetingStatus, SecurityMode, VenueKind


class Venue(db.Model):
    """A deliberation point (议事点) with its printed QR poster."""

    __tablename__ = "venues"
    __table_args__ = (
        UniqueConstraint("community_id", "name"),
        enum_check("kind", VenueKind),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    # Where it is: the community itself, a compound or a building in it.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    brand: Mapped[str] = mapped_column(String(40), default="")  # e.g. 红叶亭话
    location: Mapped[str] = mapped_column(String(200), default="")
    # The poster's address. Random rather than the id, so that nobody checks in from home by guessing numbers.
    poster_token: Mapped[str] = mapped_column(String(32), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    # The latest moment a thing of another kind held here (a volunteer activity) can still take a check-in or
    # check-out; None: never had one. A scan after it does not ask the other kinds (`lookup.locate`). Only ever
    # moved later (`services.expect_checkable`): a cancelled or moved activity leaves it late, which costs a
    # scan one query until then, never a missed activity.
    checkables_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])

    def may_hold_checkables_at(self, moment: datetime) -> bool:
        return self.checkables_until is not None and self.checkables_until > moment

    @property
    def display_name(self) -> str:
        """The brand residents know (红叶亭话), else the plain name."""
        return self.brand or self.name

    def __repr__(self) -> str:
        return f"<Venue {self.id} {self.display_name}>"


class Meeting(db.Model):
    """A deliberation session (议事会) at a venue. Implements `Checkable` (checkable.py)."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("closes_at > opens_at", name="window_not_empty"),
        CheckConstraint("points IS NULL OR points >= 0", name="points_not_negative"),
        enum_check("security_mode", SecurityMode),
        enum_check("audience", Audience),
        enum_check("status", MeetingStatus),
        Index("ix_meetings_venue_window", "venue_id", "opens_at"),
        Index("ix_meetings_community_start", "community_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    title: Mapped[str] = mapped_column(String(120))
    agenda: Mapped[str] = mapped_column(Text, default="")
    # The topic under deliberation (points/proposals). A key by name only: check-in never imports the workflow.
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The check-in window: by default from 30 minutes before the start to the end.
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    points: Mapped[int | None] = mapped_column(Integer)  # None: the community's earning rule decides
    security_mode: Mapped[str] = mapped_column(String(16), default=SecurityMode.POSTER.value)
    audience: Mapped[str] = mapped_column(String(16), default=Audience.COMMUNITY.value)
    # With audience "unit": the area whose residents are invited (a topic's affected unit).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    secret: Mapped[str] = mapped_column(String(64))  # HMAC key of the rotating code; never leaves the server
    kiosk_token: Mapped[str] = mapped_column(String(32), unique=True)  # the kiosk page's address
    status: Mapped[str] = mapped_column(String(16), default=MeetingStatus.SCHEDULED.value)
    minutes: Mapped[str] = mapped_column(Text, default="")
    closing_headcount: Mapped[int | None] = mapped_column(Integer)
    # Fewer people counted at the close than checked in: somebody may have checked in without coming.
    is_flagged_for_review: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    venue: Mapped[Venue] = relationship(lazy="joined")
    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])

    @property
    def memo(self) -> str:
        """What the resident's points history says: venue and meeting, "红叶亭话 · 楼道照明改造"."""
        return f"{self.venue.display_name} · {self.title}"

    def window_contains(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at

    # ---- Checkable

    checkin_column = "meeting_id"
    earning_action = MEETING_ATTENDED
    awards_on_checkin = True
    has_checkout = False

    @property
    def kiosk_ref(self) -> str:
        return str(self.id)

    @property
    def checkout_closes_at(self) -> datetime:
        return self.closes_at

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED

    @property
    def requires_rotating_code(self) -> bool:
        return self.security_mode == SecurityMode.ROTATING

    @property
    def checkin_key(self) -> str:
        return f"checkin:meeting:{self.id}"

    @property
    def earning_points(self) -> int | None:
        return self.points

    def why_ineligible(self, resident: Resident) -> str | None:
        if self.audience != Audience.COMMUNITY and not self.has_invited(resident):
            return "invited_only"
        return None

    def has_invited(self, resident: Resident) -> bool:
        """Invited by name (council, stakeholders) or, with audience "unit", living in the meeting's area."""
        if self.audience == Audience.UNIT and self.unit is not None and resident.unit is not None \
                and self.unit.contains(resident.unit):
            return True
        return db.session.scalar(
            select(MeetingInvitee.id).where(MeetingInvitee.meeting_id == self.id, MeetingInvitee.resident_id == resident.id)
        ) is not None

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title}>"


class MeetingInvitee(db.Model):
    __tablename__ = "meeting_invitees"
    __table_args__ = (
        UniqueConstraint("meeting_id", "resident_id"),
        enum_check("role", InviteeRole),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    role: Mapped[str] = mapped_column(String(16))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id], lazy="joined")
