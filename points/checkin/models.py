"""Venues, meetings, their invited participants and votes; the check-in log, login tickets and API tokens.

The check-in log (`Checkin`) is append-only: every attempt is one row, success or refusal. An undo is a row of
its own (`CheckinUndo`), so nothing in the log is ever updated or deleted.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Resident
from ..db import UTCDateTime, db, enum_check, utcnow
from .earning import MEETING_ATTENDED
from ..units.models import Unit


class VenueKind(enum.StrEnum):
    HALL = "hall"  # 议事厅: the community's hall
    STATION = "station"  # 议事站: in a compound
    CORNER = "corner"  # 睦邻议事点: a neighbourhood corner


class SecurityMode(enum.StrEnum):
    POSTER = "poster"  # the printed venue code is enough
    ROTATING = "rotating"  # the kiosk's changing code is required: a photo of the poster does not work from home


class Audience(enum.StrEnum):
    COMMUNITY = "community"  # any resident of the community may attend
    INVITED = "invited"  # only invited participants (council members and stakeholders)
    UNIT = "unit"  # the residents of one area (`Meeting.unit`: a building, compound or the community) and invitees


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# The only transitions a meeting makes; services check against this table.
MEETING_TRANSITIONS: dict[MeetingStatus, set[MeetingStatus]] = {
    MeetingStatus.SCHEDULED: {MeetingStatus.CLOSED, MeetingStatus.CANCELLED},
    MeetingStatus.CLOSED: set(),
    MeetingStatus.CANCELLED: set(),
}


class InviteeRole(enum.StrEnum):
    COUNCIL = "council"  # fixed deliberation members (the 7 of 7+X)
    STAKEHOLDER = "stakeholder"  # invited for this meeting (the X)


class Route(enum.StrEnum):
    """How a check-in was attempted."""

    POSTER = "poster"  # the resident scanned the printed venue code
    KIOSK = "kiosk"  # the resident scanned the kiosk's rotating code
    SCANNER = "scanner"  # staff scanned or typed the resident's member code
    SEARCH = "search"  # staff found the resident by name and phone digits
    API = "api"  # a scanner device or app through POST /api/v1/checkins


SELF_ROUTES = (Route.POSTER, Route.KIOSK)


class Step(enum.StrEnum):
    """Which step of attendance an attempt is. Meetings know only check-in; things with `has_checkout` (a
    volunteer activity) also take a check-out, by the same routes, into the same log."""

    IN = "in"
    OUT = "out"


class Reason(enum.StrEnum):
    """Why a check-in was refused. Stable codes for machines; `explain` words them for people."""

    INVALID = "invalid"
    EXPIRED_CODE = "expired_code"
    OUTSIDE_WINDOW = "outside_window"
    NO_MEETING = "no_meeting"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_ELIGIBLE = "not_eligible"
    RATE_LIMITED = "rate_limited"
    NOT_CHECKED_IN = "not_checked_in"  # a check-out with no standing check-in
    ALREADY_CHECKED_OUT = "already_checked_out"


class VoteMethod(enum.StrEnum):
    PHONES = "phones"  # checked-in residents vote on their phones
    HANDS = "hands"  # staff record a show of hands


class Choice(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"



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

    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])

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


class ApiToken(db.Model):
    """A personal API token for a scanner device. Only its SHA-256 is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, so the owner can tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship()
