"""Residents and the roles granted to them on units."""
from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import UTCDateTime, db, enum_check, utcnow
from ..units.models import Unit

# Member codes are typed by staff from printed cards: no 0/O, 1/I/L look-alikes.
MEMBER_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MEMBER_CODE_LENGTH = 8
MEMBER_QR_PREFIX = "POINTS:M:"


class Role(enum.StrEnum):
    STAFF = "staff"
    ADMIN = "admin"
    COUNCIL = "council"


class Eligibility(enum.StrEnum):
    """How a self-registered account becomes eligible to earn points (实名确认)."""

    OPEN = "open"  # at once
    CONFIRMED = "confirmed"  # once staff confirmed the person (the default)


class Resident(UserMixin, db.Model):
    __tablename__ = "residents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    # Residents registered by staff may have no phone (and so no password): they use their printed card.
    phone: Mapped[str | None] = mapped_column(String(11), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    member_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Part of the login cookie; a new one (on a password change) logs out every other device.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))
    is_volunteer: Mapped[bool] = mapped_column(Boolean, default=False)
    is_party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    # An unconfirmed account's acts are recorded as usual; its points are credited when staff confirm it.
    is_confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])
    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    grants: Mapped[list[RoleGrant]] = relationship(
        # Loaded when a permission asks (most requests never do), not with every login: the scan reads no role.
        back_populates="resident", lazy="select", cascade="all, delete-orphan", foreign_keys="RoleGrant.resident_id"
    )

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        self.session_token = secrets.token_hex(16)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_token}"

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def member_qr_payload(self) -> str:
        return MEMBER_QR_PREFIX + self.member_code

    @property
    def phone_tail(self) -> str:
        return self.phone[-4:] if self.phone else ""

    @property
    def masked_name(self) -> str:
        return self.name[:1] + "*" * max(len(self.name) - 1, 1)

    def __repr__(self) -> str:
        return f"<Resident {self.id} {self.name}>"


class RoleGrant(db.Model):
    """A role on a unit covers the unit's whole subtree."""

    __tablename__ = "role_grants"
    __table_args__ = (
        UniqueConstraint("resident_id", "unit_id", "role"),
        enum_check("role", Role),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))

    resident: Mapped[Resident] = relationship(back_populates="grants", foreign_keys=[resident_id])
    unit: Mapped[Unit] = relationship(lazy="joined")


class CommunityPolicy(db.Model):
    """A community's account and four-eyes settings (双人复核); every change is kept in `PolicyChange`."""

    __tablename__ = "community_policies"
    __table_args__ = (
        enum_check("eligibility", Eligibility),
        CheckConstraint("manual_award_threshold >= 0", name="threshold_not_negative"),
    )

    DEFAULT_THRESHOLD = 50  # a manual award above this needs a second staff member

    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    eligibility: Mapped[str] = mapped_column(String(16), default=Eligibility.CONFIRMED.value)
    manual_award_threshold: Mapped[int] = mapped_column(Integer, default=DEFAULT_THRESHOLD)
    # A community with one staff member: what needs two people may be done by one (audited).
    is_single_staff_allowed: Mapped[bool] = mapped_column(Boolean, default=False)


class PolicyChange(db.Model):
    """One changed setting of a community's policy: who, when, from what to what (append-only)."""

    __tablename__ = "community_policy_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str] = mapped_column(String(40))
    new_value: Mapped[str] = mapped_column(String(40))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def new_member_code() -> str:
    return "".join(secrets.choice(MEMBER_CODE_ALPHABET) for _ in range(MEMBER_CODE_LENGTH))


def normalise_member_code(raw: str) -> str:
    """Accept the QR payload, a typed code with spaces or dashes, or lower case."""
    text = raw.strip().upper()
    if text.startswith(MEMBER_QR_PREFIX):
        text = text[len(MEMBER_QR_PREFIX):]
    return "".join(ch for ch in text if ch.isalnum())


class ResetCode(db.Model):
    """A one-time code staff hand a resident at the desk (after checking who they are) to set a new password.
    Only its hash is kept; the newest unused, unexpired code of a resident is the one that counts. The row is
    the audit: who issued it, when, and when it was used."""

    __tablename__ = "reset_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident: Mapped[Resident] = relationship(foreign_keys=[resident_id])
    issued_by: Mapped[Resident | None] = relationship(foreign_keys=[issued_by_id])
