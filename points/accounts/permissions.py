"""Who may do what where. A role on a unit covers its subtree; `admin` includes every `staff` power."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..db import db
from ..units.models import Level, Unit
from .models import Resident, Role

IMPLIED = {Role.STAFF: {Role.STAFF, Role.ADMIN}, Role.ADMIN: {Role.ADMIN}, Role.COUNCIL: {Role.COUNCIL}}


def has_role(user: Resident | None, role: Role, unit: Unit) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    accepted = IMPLIED[role]
    return any(Role(g.role) in accepted and g.unit.contains(unit) for g in user.grants)


def is_staff_anywhere(user: Resident | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(Role(g.role) in IMPLIED[Role.STAFF] for g in user.grants)


def is_admin_anywhere(user: Resident | None) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(Role(g.role) == Role.ADMIN for g in user.grants)


def communities_for(user: Resident, role: Role = Role.STAFF) -> list[Unit]:
    """The communities in which `user` holds `role` (directly, or from a street or district above)."""
    paths = [g.unit.path for g in user.grants if Role(g.role) in IMPLIED[role]]
    if not paths:
        return []
    stmt = (
        select(Unit)
        .where(Unit.level == Level.COMMUNITY.value, or_(*[Unit.path.startswith(p) for p in paths]))
        .order_by(Unit.name)
    )
    return list(db.session.scalars(stmt))



def page_context() -> dict:
    """What every page's navigation needs to know about the person looking at it."""
    from flask_login import current_user

    user = current_user if current_user.is_authenticated else None
    return {"is_staff": is_staff_anywhere(user), "is_admin": is_admin_anywhere(user)}
