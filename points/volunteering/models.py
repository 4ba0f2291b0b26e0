"""Volunteering (志愿服务, §6): volunteers, activities, sign-ups (`Enrollment`), service records and their
confirmations, and certificates of service hours.

`Activity.taken_slots` counts standing sign-ups; it changes only by conditional UPDATE (`taken_slots < slots`) in
the same transaction as the sign-up, so the database, not a read, keeps an activity from overfilling. A service
record is confirmed once; a correction is a new `ServiceConfirmation` (the old award reversed, a new one booked),
never an edit of the old one.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Resident
from ..checkin.models import Venue
from ..db import UTCDateTime, db, enum_check, utcnow
from ..units.models import Unit
from .earning import VOLUNTEER_HOUR

KIND_PREFIX = "a"  # kiosk codes of activities read "a<id>.<slot>.<mac>"
REVIEW_SHARE = 0.6  # a stay under 60 % of the scheduled span goes to staff review (§6)
CHECKOUT_GRACE_MINUTES = 60  # check-outs are taken until an hour after the end


class Skill(enum.StrEnum):
    ELDERLY = "elderly"  # 助老
    CHILDREN = "children"  # 助学 / 托管
    CLEANING = "cleaning"  # 环境整治
    PATROL = "patrol"  # 治安巡逻
    MEDICAL = "medical"  # 医疗健康
    REPAIR = "repair"  # 维修
    CULTURE = "culture"  # 文艺
    OTHER = "other"


SKILL_LABELS = {
    Skill.ELDERLY: _l("Elderly care"), Skill.CHILDREN: _l("Children and tutoring"), Skill.CLEANING: _l("Cleaning and greening"),
    Skill.PATROL: _l("Safety patrol"), Skill.MEDICAL: _l("Health and first aid"), Skill.REPAIR: _l("Repairs"),
    Skill.CULTURE: _l("Culture and arts"), Skill.OTHER: _l("Other"),
}


class ActivityStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


ACTIVITY_TRANSITIONS: dict[ActivityStatus, set[ActivityStatus]] = {
    ActivityStatus.SCHEDULED: {ActivityStatus.CANCELLED},
    ActivityStatus.CANCELLED: set(),
}


class EnrollmentStatus(enum.StrEnum):
    SIGNED_UP = "signed_up"
    CANCELLED = "cancelled"


class RecordStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for staff to confirm
    REVIEW = "review"  # a short stay or a forgotten check-out: staff look before confirming
    CONFIRMED = "confirmed"


# A confirmed record is corrected by a new confirmation (reversal plus new award), so CONFIRMED → CONFIRMED.
RECORD_TRANSITIONS: dict[RecordStatus, set[RecordStatus]] = {
    RecordStatus.PENDING: {RecordStatus.CONFIRMED},
    RecordStatus.REVIEW: {RecordStatus.CONFIRMED},
    RecordStatus.CONFIRMED: {RecordStatus.CONFIRMED},
}


class ReviewReason(enum.StrEnum):
    SHORT_STAY = "short_stay"  # under 60 % of the span
    FORGOTTEN_CHECKOUT = "forgotten_checkout"  # closed at the activity's end by the job


RECORD_STATUS_LABELS = {
    RecordStatus.PENDING: _l("Awaiting confirmation"), RecordStatus.REVIEW: _l("Needs review"),
    RecordStatus.CONFIRMED: _l("Confirmed"),
}
REVIEW_REASON_LABELS = {
    ReviewReason.SHORT_STAY: _l("Stayed less than 60 percent of the activity"),
    ReviewReason.FORGOTTEN_CHECKOUT: _l("Forgot to check out: closed at the end"),
}


class Volunteer(db.Model):
    """A resident registered as a volunteer (the flag is `Resident.is_volunteer`): since when, and skills."""

    __tablename__ = "volunteers"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    skills: Mapped[str] = mapped_column(String(200), default="")  # Skill codes, comma-separated
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])

    @property
    def skill_list(self) -> list[str]:
        return [s for s in self.skills.split(",") if s]


class Activity(db.Model):
    """A volunteer activity (志愿服务活动) at a venue. Implements `Checkable` (checkin/checkable.py), so check-in
    and check-out go through the check-in package's one service, kiosk, desk and log."""

    __tablename__ = "activities"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("slots > 0 AND taken_slots >= 0 AND taken_slots <= slots", name="slots_within"),
        CheckConstraint("points_per_hour IS NULL OR points_per_hour >= 0", name="rate_not_negative"),
        CheckConstraint("fixed_points IS NULL OR fixed_points >= 0", name="fixed_not_negative"),
        CheckConstraint("cap_minutes IS NULL OR cap_minutes > 0", name="cap_positive"),
        enum_check("status", ActivityStatus),
        Index("ix_activities_community_start", "community_id", "starts_at"),
        Index("ix_activities_venue_start", "venue_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # who it serves: the community, a compound…
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))  # where volunteers meet and check in
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200), default="")  # where exactly, beyond the venue
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    slots: Mapped[int] = mapped_column(Integer)
    taken_slots: Mapped[int] = mapped_column(Integer, default=0)
    points_per_hour: Mapped[int | None] = mapped_column(Integer)  # None: the community's earning rule
    fixed_points: Mapped[int | None] = mapped_column(Integer)  # a fixed amount instead of per hour
    cap_minutes: Mapped[int | None] = mapped_column(Integer)  # None: hours up to the span, points up to 2 h
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    # The proposal whose implementation stage (办理中, 多元办事) this activity serves (migration 0011 adds the key).
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ActivityStatus.SCHEDULED.value)
    secret: Mapped[str] = mapped_column(String(64))  # HMAC key of the kiosk's rotating code
    kiosk_token: Mapped[str] = mapped_column(String(32), unique=True)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    venue: Mapped[Venue] = relationship(lazy="joined")
    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    organiser: Mapped[Resident | None] = relationship(foreign_keys=[organiser_id])

    @property
    def span_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def free_slots(self) -> int:
        return self.slots - self.taken_slots

    # ---- Checkable

    checkin_column = "activity_id"
    earning_action = VOLUNTEER_HOUR
    awards_on_checkin = False  # points come with the confirmation of the hours
    has_checkout = True
    requires_rotating_code = False
    earning_points = None

    @property
    def opens_at(self) -> datetime:  # type: ignore[override]
        return self.starts_at - timedelta(minutes=30)

    @property
    def closes_at(self) -> datetime:
        return self.ends_at

    @property
    def checkout_closes_at(self) -> datetime:
        return self.ends_at + timedelta(minutes=CHECKOUT_GRACE_MINUTES)

    @property
    def kiosk_ref(self) -> str:
        return f"{KIND_PREFIX}{self.id}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == ActivityStatus.CANCELLED

    @property
    def is_closed(self) -> bool:
        return False

    @property
    def checkin_key(self) -> str:
        return f"volunteer:activity:{self.id}"

    @property
    def memo(self) -> str:
        return f"{self.venue.display_name} · {self.title}"

    def why_ineligible(self, resident: Resident) -> str | None:
        signed = db.session.scalar(select(Enrollment.id).where(
            Enrollment.activity_id == self.id, Enrollment.resident_id == resident.id,
            Enrollment.status == EnrollmentStatus.SIGNED_UP.value))
        return None if signed is not None else "not_signed_up"

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.title}>"


class Enrollment(db.Model):
    """A volunteer's sign-up (报名) for an activity; cancelled before the start, it frees its slot."""

    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("activity_id", "resident_id"), enum_check("status", EnrollmentStatus))

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=EnrollmentStatus.SIGNED_UP.value)
    signed_up_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    activity: Mapped[Activity] = relationship(lazy="joined")
    resident: Mapped[Resident] = relationship()


class ServiceRecord(db.Model):
    """One volunteer's time at one activity (服务时长): from the check-in and check-out, or back-filled by staff.
    `minutes` is the time clipped to the span and cap; `confirmed_minutes` and `points` are what staff confirmed."""

    __tablename__ = "service_records"
    __table_args__ = (
        UniqueConstraint("activity_id", "resident_id"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        CheckConstraint("confirmed_minutes IS NULL OR confirmed_minutes >= 0", name="confirmed_not_negative"),
        enum_check("status", RecordStatus),
        enum_check("review_reason", ReviewReason, nullable=True),
        Index("ix_service_records_queue", "community_id", "status", "created_at"),
        Index("ix_service_records_resident", "resident_id", "status"),
        # the dashboard's and the indices' hours for a period read records by community and end time
        Index("ix_service_records_period", "community_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    checkout_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))  # None: forgotten, or back-filled
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=RecordStatus.PENDING.value)
    review_reason: Mapped[str | None] = mapped_column(String(24))
    is_backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)  # confirmations so far
    confirmed_minutes: Mapped[int | None] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    activity: Mapped[Activity] = relationship(lazy="joined")
    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    confirmed_by: Mapped[Resident | None] = relationship(foreign_keys=[confirmed_by_id])

    @property
    def hours(self) -> float:
        return round((self.confirmed_minutes if self.confirmed_minutes is not None else self.minutes) / 60, 2)

    @property
    def is_confirmed(self) -> bool:
        return self.status == RecordStatus.CONFIRMED


class ServiceConfirmation(db.Model):
    """A confirmation of a record, or a correction of it: the minutes, the award, the reversal of the previous
    award, who and why. Append-only; `revision` is unique per record, so two staff confirming at once cannot both win."""

    __tablename__ = "service_confirmations"
    __table_args__ = (UniqueConstraint("record_id", "revision"), CheckConstraint("minutes >= 0", name="minutes_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("service_records.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer, default=0)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    reversal_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transactions.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("residents.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[Resident] = relationship()


class Certificate(db.Model):
    """A certificate of service hours (志愿服务证明) as issued: its figures frozen, checkable by its token."""

    __tablename__ = "service_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    minutes: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    resident: Mapped[Resident] = relationship()
    community: Mapped[Unit] = relationship()

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)
