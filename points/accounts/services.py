"""Registering residents, logging in, granting roles."""
from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import events, ratelimit
from ..db import db, transaction, utcnow
from ..errors import DomainError, NotAllowed
from ..units.models import Level, Unit
from .models import Eligibility, Resident, Role, RoleGrant, new_member_code, normalise_member_code
from .permissions import Actor, require
from .policy import policy_for

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers
MIN_PASSWORD = 8


class InvalidRegistration(DomainError):
    code = "invalid_registration"
    message = _l("The registration could not be completed.")


class InvalidLogin(DomainError):
    code = "invalid_login"
    message = _l("Phone number or password is wrong.")


class TooManyAttempts(DomainError):
    code = "rate_limited"
    message = _l("Too many attempts. Please wait a few minutes and try again.")


def normalise_phone(raw: str) -> str:
    digits = re.sub(r"[\s-]", "", raw or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits


def validate_phone(raw: str) -> str:
    phone = normalise_phone(raw)
    if not PHONE_RE.match(phone):
        raise InvalidRegistration(_l("Please enter an 11-digit mainland mobile number."), code="invalid_phone", field="phone")
    return phone


def validate_home(unit: Unit | None) -> Unit:
    if unit is None or unit.level not in (Level.BUILDING.value, Level.COMPOUND.value) or unit.community_id is None:
        raise InvalidRegistration(_l("Please choose your building."), code="invalid_unit", field="unit")
    return unit


@transaction
def register_resident(*, name: str, phone: str, password: str, unit: Unit | None, client: str = "-",
                      limit: str | None = None, community_limit: str | None = None,
                      confirmed_by: Actor | None = None) -> Resident:
    """A resident signs up on their own phone: at most `limit` attempts per client address and
    `community_limit` per community. In a community where staff confirm new accounts (the default), the
    account can take part at once and its points are credited when staff confirm it. `confirmed_by` (SYSTEM
    for the command line and demo data) registers an account already confirmed."""
    if limit and not ratelimit.hit(limit, "register-client", client or "-"):
        raise TooManyAttempts()
    phone = validate_phone(phone)
    if len(password or "") < MIN_PASSWORD:
        raise InvalidRegistration(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD), code="weak_password", field="password")
    home = validate_home(unit)
    if community_limit and not ratelimit.hit(community_limit, "register-community", str(home.community_id)):
        raise TooManyAttempts()
    confirmed = confirmed_by is not None or policy_for(home.community_id).eligibility == Eligibility.OPEN
    resident = _new_resident(name=name, phone=phone, unit=home, created_by=None, is_confirmed=confirmed)
    resident.set_password(password)
    return resident


@transaction
def create_resident(*, staff: Resident, name: str, unit: Unit | None, phone: str | None = None) -> Resident:
    """Staff register a resident, who may have no phone: they will use a printed member card."""
    home = validate_home(unit)
    require(staff, Role.STAFF, home)
    # Staff register the person in front of them: that is the confirmation.
    return _new_resident(name=name, phone=validate_phone(phone) if phone else None, unit=home, created_by=staff,
                         is_confirmed=True)


def _new_resident(*, name: str, phone: str | None, unit: Unit, created_by: Resident | None, is_confirmed: bool) -> Resident:
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise InvalidRegistration(_l("Please enter a name of up to 40 characters."), code="invalid_name", field="name")
    if phone and db.session.scalar(select(Resident.id).where(Resident.phone == phone)) is not None:
        raise _phone_taken()
    code = new_member_code()
    while db.session.scalar(select(Resident.id).where(Resident.member_code == code)) is not None:
        code = new_member_code()
    resident = Resident(
        name=name, phone=phone, unit_id=unit.id, community_id=unit.community_id, member_code=code,
        created_by_id=created_by.id if created_by else None, is_confirmed=is_confirmed,
        confirmed_at=utcnow() if is_confirmed and created_by else None, confirmed_by_id=created_by.id if is_confirmed and created_by else None,
    )
    db.session.add(resident)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Two sign-ups with one number at the same moment: the unique index decides, the loser hears why.
        raise _phone_taken() from error
    events.resident_registered.send("accounts", resident=resident, actor=created_by or resident, now=utcnow())
    return resident


def _phone_taken() -> InvalidRegistration:
    # Whether a stranger's number has an account is not ours to tell: the answer points to recovery instead.
    return InvalidRegistration(
        _l("This number cannot be registered. If you already have an account, log in; if you forgot the "
           "password, ask community staff at the desk to reset it."), code="phone_taken", field="phone")


def authenticate(phone: str, password: str, *, client: str, limit: str, client_limit: str) -> Resident:
    """Check a login within `limit` attempts per phone number (guessing one password) and the looser
    `client_limit` per client address (a meeting room on one Wi-Fi logs many residents in at once).

    Each attempt is counted before the password is checked, so parallel guesses cannot all pass the limit
    while the hash is computed; a right password takes its attempt back (and clears the phone's count)."""
    phone = normalise_phone(phone)
    phone_ok = ratelimit.hit(limit, "login-phone", phone)
    client_ok = ratelimit.hit(client_limit, "login-client", client)
    if not (phone_ok and client_ok):
        raise TooManyAttempts()
    resident = resident_by_phone(phone)
    if resident is None or not resident.check_password(password) or not resident.is_active_account:
        raise InvalidLogin()
    ratelimit.clear(limit, "login-phone", phone)
    ratelimit.forgive(client_limit, "login-client", client)
    return resident


@transaction
def grant_role(resident: Resident, role: Role, unit: Unit, *, admin: Actor) -> RoleGrant:
    """Give `role` on `unit`. `admin` is `SYSTEM` for the command line (create-admin), which trusts its operator."""
    require(admin, Role.ADMIN, unit)
    existing = db.session.scalar(
        select(RoleGrant).where(RoleGrant.resident_id == resident.id, RoleGrant.unit_id == unit.id, RoleGrant.role == role.value)
    )
    if existing is not None:
        return existing
    grant = RoleGrant(resident_id=resident.id, unit_id=unit.id, role=role.value, granted_by_id=admin.id)
    db.session.add(grant)
    db.session.flush()
    db.session.expire(resident, ["grants"])
    events.role_granted.send("accounts", grant=grant, resident=resident, unit=unit, actor=admin, now=utcnow())
    return grant


@transaction
def revoke_role(grant: RoleGrant, *, admin: Resident) -> None:
    require(admin, Role.ADMIN, grant.unit)
    if grant.resident_id == admin.id:
        raise NotAllowed()
    db.session.delete(grant)
    events.role_revoked.send("accounts", grant=grant, resident=grant.resident, unit=grant.unit, actor=admin, now=utcnow())


@transaction
def change_password(resident: Resident, *, current: str, new: str) -> None:
    if resident.password_hash and not resident.check_password(current):
        raise InvalidRegistration(_l("The current password is wrong."), code="wrong_password", field="current")
    if len(new or "") < MIN_PASSWORD:
        raise InvalidRegistration(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD), code="weak_password", field="new")
    resident.set_password(new)


@transaction
def end_sessions(resident: Resident) -> None:
    """Log out: a new session token, so that no copy of this or any other login cookie (session or remember-me)
    opens the account again."""
    resident.session_token = secrets.token_hex(16)


def resident_for_session(session_id: str) -> Resident | None:
    """The resident a login cookie names, if its session token is still the current one."""
    resident_id, _, token = session_id.partition(".")
    if not (resident_id.isascii() and resident_id.isdigit()) or len(resident_id) > 12:
        return None
    resident = db.session.get(Resident, int(resident_id))
    if resident is None or not token or not secrets.compare_digest(resident.session_token, token):
        return None
    return resident


def resident_by_member_code(code: str) -> Resident | None:
    return db.session.scalar(select(Resident).where(Resident.member_code == normalise_member_code(code)))


def find_residents(community_ids: list[int], query: str, *, limit: int = 50) -> list[Resident]:
    """Staff search: by name, or by name plus the last four digits of the phone ("王芳 5678" or "5678")."""
    if not community_ids:
        return []
    stmt = select(Resident).where(Resident.community_id.in_(community_ids))
    for word in (query or "").split():
        if word.isdigit() and len(word) == 4:
            stmt = stmt.where(Resident.phone.endswith(word))
        elif word.isdigit():
            stmt = stmt.where(Resident.phone.contains(word))
        else:
            stmt = stmt.where(Resident.name.contains(word))
    return list(db.session.scalars(stmt.order_by(Resident.name, Resident.id).limit(limit)))


def residents_by_ids(ids: set[int]) -> list[Resident]:
    return list(db.session.scalars(select(Resident).where(Resident.id.in_(ids)))) if ids else []


def get_resident(resident_id: int) -> Resident | None:
    return db.session.get(Resident, resident_id)


def resident_by_phone(phone: str) -> Resident | None:
    phone = normalise_phone(phone)
    return db.session.scalar(select(Resident).where(Resident.phone == phone)) if phone else None


def grants_within(unit_ids: set[int]) -> list[tuple[RoleGrant, Resident]]:
    stmt = (
        select(RoleGrant, Resident).join(Resident, Resident.id == RoleGrant.resident_id)
        .where(RoleGrant.unit_id.in_(unit_ids)).order_by(RoleGrant.unit_id, Resident.name)
    )
    return [(grant, person) for grant, person in db.session.execute(stmt)]


def get_grant(grant_id: int) -> RoleGrant | None:
    return db.session.get(RoleGrant, grant_id)
