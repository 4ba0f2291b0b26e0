"""Getting back in without SMS: staff check who a resident is at the desk and issue a one-time code; the
resident types it with a new password. `deliver_reset_code` is the one place a code leaves the system, so an SMS
channel can be added there later."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock, events, ratelimit
from ..db import db, transaction
from ..errors import DomainError
from ..units.models import Unit
from .models import Resident, ResetCode, Role
from .permissions import Actor, require, require_not_self
from .services import MIN_PASSWORD, normalise_phone, resident_by_phone

CODE_LENGTH = 8  # digits: typed by elderly residents on a number pad
CODE_VALID = timedelta(minutes=30)


class InvalidResetCode(DomainError):
    code = "invalid_reset_code"
    message = _l("This code is wrong or has expired. Ask the staff at the desk for a new one.")


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_LENGTH))


def deliver_reset_code(resident: Resident, code: str, *, channel: str = "desk") -> str | None:
    """Hand `code` to `resident`. At the desk the staff member's screen shows it once (returned); an SMS channel
    would send it here and return None."""
    if channel != "desk":
        raise ValueError(f"no delivery channel {channel!r}")
    return code


@transaction
def issue_reset_code(resident: Resident, *, staff: Actor, now: datetime | None = None) -> tuple[ResetCode, str]:
    """Staff issue a one-time code for `resident` of their community, after checking their identity. Never for
    themselves; a person holding a role is reset only by an admin over every unit of their roles (a staff member
    must not take over an admin's account). Earlier codes stop counting."""
    now = now or clock.now()
    require(staff, Role.STAFF, db.session.get(Unit, resident.community_id), code="not_your_community")
    require_not_self(staff, resident, code="own_account")
    for grant in resident.grants:
        require(staff, Role.ADMIN, grant.unit, code="role_holder")
    if not resident.phone:
        raise DomainError(_l("This resident has no mobile number: they use their printed member card, not a password."),
                          code="no_phone")
    db.session.execute(
        update(ResetCode).where(ResetCode.resident_id == resident.id, ResetCode.used_at.is_(None),
                                ResetCode.expires_at > now).values(expires_at=now)
    )
    code = new_code()
    row = ResetCode(
        resident_id=resident.id, code_hash=generate_password_hash(code, method=current_app.config["PASSWORD_HASH_METHOD"]),
        issued_by_id=staff.id, created_at=now, expires_at=now + CODE_VALID,
    )
    db.session.add(row)
    db.session.flush()
    events.reset_code_issued.send("accounts", reset_code=row, resident=resident, actor=staff, now=now)
    return row, code


@transaction
def reset_password_with_code(phone: str, code: str, new_password: str, *, limit: str, now: datetime | None = None) -> Resident:
    """The resident sets a new password with the code from the desk. Wrong codes count against `limit` per phone
    number, like failed logins; a used code never works again. Every other device is logged out."""
    now = now or clock.now()
    phone = normalise_phone(phone)
    if len(new_password or "") < MIN_PASSWORD:
        raise DomainError(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD), code="weak_password", field="new")
    if not ratelimit.allows(limit, "reset-phone", phone):
        raise DomainError(_l("Too many attempts. Please wait a few minutes and try again."), code="rate_limited")
    resident = resident_by_phone(phone)
    row = latest_code(resident, now=now) if resident is not None else None
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    if row is None or not check_password_hash(row.code_hash, typed):
        ratelimit.hit(limit, "reset-phone", phone)
        raise InvalidResetCode(field="code")
    used = db.session.execute(
        update(ResetCode).where(ResetCode.id == row.id, ResetCode.used_at.is_(None)).values(used_at=now)
    )
    if used.rowcount != 1:  # the same code typed twice at once: one wins
        raise InvalidResetCode(field="code")
    resident.set_password(new_password)
    ratelimit.clear(limit, "reset-phone", phone)
    events.password_reset.send("accounts", reset_code=row, resident=resident, actor=resident, now=now)
    return resident


def latest_code(resident: Resident, *, now: datetime | None = None) -> ResetCode | None:
    """The resident's code that still works, if any."""
    now = now or clock.now()
    return db.session.scalar(
        select(ResetCode).where(ResetCode.resident_id == resident.id, ResetCode.used_at.is_(None), ResetCode.expires_at > now)
        .order_by(ResetCode.id.desc()).limit(1)
    )


def codes_of(resident: Resident, *, limit: int = 5) -> list[ResetCode]:
    """The audit staff see on the resident's page: who issued codes, when, and whether they were used."""
    return list(db.session.scalars(
        select(ResetCode).where(ResetCode.resident_id == resident.id).order_by(ResetCode.id.desc()).limit(limit)
    ))
