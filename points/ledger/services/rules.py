"""Admins set what an action earns in their community and its caps."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ...accounts.models import Resident, Role
from ...accounts.permissions import require
from ...db import db, transaction, utcnow
from ...units.models import Unit
from ..earning import EarningAction
from ..models import EarningRule
from .errors import InvalidRule


@transaction
def set_earning_rule(
    community_id: int, action: EarningAction, *, points: int, daily_cap: int | None, monthly_cap: int | None,
    admin: Resident, now: datetime | None = None,
) -> EarningRule:
    """An admin changes how many points an action earns in a community, and its caps (None = no cap)."""
    community = db.session.get(Unit, community_id)
    require(admin, Role.ADMIN, community)
    if points < 0 or any(cap is not None and cap < 1 for cap in (daily_cap, monthly_cap)):
        raise InvalidRule()
    rule = db.session.scalar(
        select(EarningRule).where(EarningRule.community_id == community_id, EarningRule.action == action.code)
    )
    if rule is None:
        rule = EarningRule(community_id=community_id, action=action.code)
        db.session.add(rule)
    rule.points, rule.daily_cap, rule.monthly_cap = points, daily_cap, monthly_cap
    rule.updated_at, rule.updated_by_id = now or utcnow(), admin.id
    db.session.flush()
    return rule
