"""Registering volunteers: by themselves, or by staff on a resident's behalf."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ... import events
from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ..models import Skill, Volunteer
from .errors import VolunteerError


def volunteer_of(resident: Resident) -> Volunteer | None:
    return db.session.scalar(select(Volunteer).where(Volunteer.resident_id == resident.id))


def _skills(values: list[str] | tuple[str, ...]) -> str:
    chosen = []
    for value in values:
        try:
            skill = Skill(value)
        except ValueError:
            raise VolunteerError(_l("Please choose skills from the list."), code="invalid_skill", field="skills") from None
        if skill.value not in chosen:
            chosen.append(skill.value)
    return ",".join(chosen)


@transaction
def register_volunteer(resident: Resident, *, actor: Resident, skills: list[str] | tuple[str, ...] = (),
                       now: datetime | None = None) -> Volunteer:
    """The resident registers, or staff of their community register them. Registering again updates the skills."""
    if actor is not resident and getattr(actor, "id", None) != resident.id:
        require(actor, Role.STAFF, resident.community)
    if not resident.is_active_account:
        raise VolunteerError(_l("This account is disabled."), code="inactive")
    now = now or utcnow()
    chosen = _skills(skills)
    existing = volunteer_of(resident)
    if existing is not None:
        existing.skills = chosen
        db.session.flush()
        return existing
    volunteer = Volunteer(resident_id=resident.id, community_id=resident.community_id, skills=chosen,
                          registered_at=now, registered_by_id=actor.id)
    try:
        with db.session.begin_nested():
            db.session.add(volunteer)
    except IntegrityError:
        return volunteer_of(resident)  # registered a moment ago by another request
    db.session.execute(update(Resident).where(Resident.id == resident.id).values(is_volunteer=True))
    db.session.refresh(resident)
    events.volunteer_registered.send("volunteering", volunteer=volunteer, resident=resident, actor=actor, now=now)
    return volunteer
