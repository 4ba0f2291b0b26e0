"""May this actor do this to that object? Asked here and nowhere else: services call `require` with their explicit
actor (a resident or `SYSTEM`), views load through `load_or_404`. A role on a unit covers its subtree; `admin`
includes every `staff` power."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Final

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from ..db import db
from ..errors import NotAllowed
from ..forms import MAX_ID
from ..units.models import Level, Unit, natural_order
from .models import Resident, Role

IMPLIED = {Role.STAFF: {Role.STAFF, Role.ADMIN}, Role.ADMIN: {Role.ADMIN}, Role.COUNCIL: {Role.COUNCIL}}


class SystemActor:
    """The application acting on its own behalf: CLI commands, jobs, demo loaders. Not a resident: it has no id,
    cannot log in, and may do anything a service allows an actor to do."""

    is_system: Final = True
    is_authenticated: Final = False
    id: Final = None
    name: Final = "system"

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM: Final = SystemActor()
Actor = Resident | SystemActor


def _actor(actor: Actor) -> Actor:
    if actor is None:
        raise TypeError("an actor is required: pass the resident acting, or permissions.SYSTEM")
    return actor


# ------------------------------------------------------------------ questions


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
    stmt = select(Unit).where(Unit.level == Level.COMMUNITY.value, or_(*[Unit.path.startswith(p) for p in paths]))
    return natural_order(db.session.scalars(stmt))


def may(actor: Actor, role: Role, unit: Unit | None) -> bool:
    """Whether `actor` holds `role` on `unit`; the system actor may act everywhere."""
    if getattr(_actor(actor), "is_system", False):
        return True
    return unit is not None and has_role(actor, role, unit)


# ------------------------------------------------------------------ for services


def require(actor: Actor, role: Role, unit: Unit | None, *, code: str = "not_allowed") -> None:
    """Raise `NotAllowed` unless `actor` holds `role` on `unit` (the system actor always passes)."""
    if not may(actor, role, unit):
        raise NotAllowed(code=code)


def require_not_self(actor: Actor, resident: Resident, *, code: str = "own_account", message: str | None = None) -> None:
    """Staff never act for themselves: awards, undoing their own check-in, corrections of their own points."""
    if not getattr(_actor(actor), "is_system", False) and actor.id == resident.id:
        raise NotAllowed(message, code=code)


# ------------------------------------------------------------------ for views


def community_of(obj: Any) -> Unit | None:
    """The community an object belongs to: a unit's own, its `community` relationship, or the unit its
    `community_id` or, for a role grant, `unit` names."""
    if isinstance(obj, Unit):
        return obj if obj.level == Level.COMMUNITY.value else db.session.get(Unit, obj.community_id)
    community = getattr(obj, "community", None)
    if isinstance(community, Unit):
        return community
    community_id = getattr(obj, "community_id", None)
    if community_id is not None:
        return db.session.get(Unit, community_id)
    unit = getattr(obj, "unit", None)
    return unit if isinstance(unit, Unit) else None


def _login_redirect():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def _connected(user: Resident, community: Unit) -> bool:
    """The user lives in the community or holds some role over or inside it: to them, its objects exist."""
    if user.community_id == community.id:
        return True
    return any(g.unit.contains(community) or community.contains(g.unit) for g in user.grants)


def _is_id(ident: Any) -> bool:
    """A row id as a path or form gives it: ASCII digits ("²".isdigit() is true, yet int("²") fails) in range."""
    text = str(ident if ident is not None else "")
    return text.isascii() and text.isdigit() and int(text) <= MAX_ID


def load_or_404(load: type | Callable[[Any], Any], ident: Any, *, role: Role = Role.STAFF):
    """The object `ident` names, for a user who holds `role` in its community. `load` is a model class or a getter.
    No such object, or one of a community the user has nothing to do with: 404 (they may not learn it exists).
    A logged-in user of that community without the role: 403. Logged out: to the login page."""
    if not current_user.is_authenticated:
        abort(_login_redirect())
    if isinstance(load, type):
        obj = db.session.get(load, int(ident)) if _is_id(ident) else None
    else:
        obj = load(ident)
    community = community_of(obj) if obj is not None else None
    if community is None:
        abort(404)
    if has_role(current_user, role, community):
        return obj
    abort(403 if _connected(current_user, community) else 404)


def community_or_404(community_id: int | None, *, role: Role = Role.STAFF) -> Unit:
    """A community the user holds `role` in: the one asked for, or their first when none is asked for."""
    communities = communities_for(current_user, role)
    if community_id is None and communities:
        return communities[0]
    for community in communities:
        if community.id == community_id:
            return community
    abort(404)


def gate(role: Role = Role.STAFF) -> Callable[[], Any]:
    """The check for pages of people holding `role` somewhere: logged-out visitors go to the login page, others get
    a 403. `bp.before_request(gate(role))` guards a whole blueprint; `role_required` one view."""

    def check():
        if not current_user.is_authenticated:
            return _login_redirect()
        if not any(Role(g.role) in IMPLIED[role] for g in current_user.grants):
            abort(403)
        return None

    return check


def role_required(role: Role) -> Callable[[Callable], Callable]:
    check = gate(role)

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            return check() or view(*args, **kwargs)

        return wrapper

    return decorate


staff_required = role_required(Role.STAFF)


def page_context() -> dict:
    """What every page's navigation needs to know about the person looking at it."""
    user = current_user if current_user.is_authenticated else None
    return {"is_staff": is_staff_anywhere(user), "is_admin": is_admin_anywhere(user)}
