"""A community's policy: how new accounts become eligible (open, or confirmed by staff: 实名确认), the manual
award above which a second staff member confirms, and whether a single-staff community may do alone what
otherwise needs two people (双人复核). Changes are kept, field by field, in `PolicyChange`."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from .. import events
from ..db import db, transaction, utcnow
from ..errors import DomainError
from ..units.models import Unit
from .models import CommunityPolicy, Eligibility, PolicyChange, Resident, Role
from .permissions import Actor, require, require_not_self


class PolicyError(DomainError):
    code = "invalid_policy"
    message = _l("The setting could not be saved.")


class AlreadyConfirmed(DomainError):
    code = "already_confirmed"
    message = _l("This account is already confirmed.")


MAX_THRESHOLD = 1_000_000


def policy_for(community_id: int) -> CommunityPolicy:
    """The community's policy; the defaults (not stored) until an admin changes something."""
    policy = db.session.get(CommunityPolicy, community_id)
    if policy is None:
        policy = CommunityPolicy(community_id=community_id, eligibility=Eligibility.CONFIRMED.value,
                                 manual_award_threshold=CommunityPolicy.DEFAULT_THRESHOLD, is_single_staff_allowed=False)
    return policy


@transaction
def update_policy(community: Unit, *, admin: Actor, eligibility: str, manual_award_threshold: int | None,
                  is_single_staff_allowed: bool, now: datetime | None = None) -> CommunityPolicy:
    """An admin of the community changes its policy; each changed field is recorded with who and when."""
    require(admin, Role.ADMIN, community)
    if eligibility not in {e.value for e in Eligibility}:
        raise PolicyError(code="invalid_eligibility", field="eligibility")
    if manual_award_threshold is None or not 0 <= manual_award_threshold <= MAX_THRESHOLD:
        raise PolicyError(_l("Please enter a number of points from 0 to %(n)d.", n=MAX_THRESHOLD),
                          code="invalid_threshold", field="manual_award_threshold")
    now = now or utcnow()
    policy = db.session.get(CommunityPolicy, community.id, with_for_update=True)
    if policy is None:
        policy = policy_for(community.id)
        db.session.add(policy)
    wanted = {"eligibility": eligibility, "manual_award_threshold": manual_award_threshold,
              "is_single_staff_allowed": bool(is_single_staff_allowed)}
    changes = [(field, getattr(policy, field), value) for field, value in wanted.items() if getattr(policy, field) != value]
    for field, old, new in changes:
        setattr(policy, field, new)
        db.session.add(PolicyChange(community_id=community.id, field=field, old_value=str(old), new_value=str(new),
                                    changed_by_id=admin.id, changed_at=now))
    db.session.flush()
    if changes:
        events.policy_changed.send("accounts", policy=policy, changes=changes, actor=admin, now=now)
    return policy


class SecondStaffRequired(DomainError):
    code = "four_eyes"
    message = _l("Another staff member must do this: you started it yourself (双人复核).")


def require_second_staff(staff: Actor, originators: set[int], community_id: int) -> None:
    """Four eyes: `staff` may not approve what they originated (a request on a resident's behalf, points given
    by hand), unless the community is explicitly set up for a single staff member."""
    if staff.id in originators and not policy_for(community_id).is_single_staff_allowed:
        raise SecondStaffRequired()


def policy_changes(community_id: int, *, limit: int = 50) -> list[PolicyChange]:
    return list(db.session.scalars(
        select(PolicyChange).where(PolicyChange.community_id == community_id).order_by(PolicyChange.id.desc()).limit(limit)
    ))


@transaction
def confirm_resident(resident: Resident, *, staff: Resident, now: datetime | None = None) -> Resident:
    """Staff confirm the person behind a self-registered account (实名确认): from now on, and for what they did
    before (the ledger credits it on `resident_confirmed`), their points count. Never one's own account."""
    require_not_self(staff, resident)
    require(staff, Role.STAFF, resident.community)
    now = now or utcnow()
    done = db.session.execute(
        update(Resident).where(Resident.id == resident.id, Resident.is_confirmed.is_(False))
        .values(is_confirmed=True, confirmed_at=now, confirmed_by_id=staff.id).execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(resident)
    if not done:
        raise AlreadyConfirmed()
    events.resident_confirmed.send("accounts", resident=resident, actor=staff, now=now)
    return resident


def unconfirmed_residents(community_ids: list[int], *, limit: int = 200) -> list[Resident]:
    if not community_ids:
        return []
    return list(db.session.scalars(
        select(Resident).where(Resident.community_id.in_(community_ids), Resident.is_confirmed.is_(False))
        .order_by(Resident.created_at, Resident.id).limit(limit)
    ))
