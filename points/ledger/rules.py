"""Earning rules: each declared action's defaults (§9), overridden per community by `EarningRule` rows."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..db import db
from .earning import EarningAction, declared
from .models import EarningRule


@dataclass(frozen=True)
class Rule:
    action: EarningAction
    points: int
    daily_cap: int | None = None
    monthly_cap: int | None = None


def _rule(action: EarningAction, row: EarningRule | None) -> Rule:
    if row is None:
        return Rule(action, action.points, action.daily_cap, action.monthly_cap)
    return Rule(action, row.points, row.daily_cap, row.monthly_cap)


def rule_columns(community_id, action_code) -> list:
    """The community's rule for an action as four scalar subqueries (row id, points, daily cap, monthly cap), for a
    hot path to read it in the same statement as other things (the values, or bind parameters for a statement
    built once). Read fresh every time, never cached: an admin's change in one worker process must hold in every
    other at once."""
    here = (EarningRule.community_id == community_id) & (EarningRule.action == action_code)
    return [select(column).where(here).scalar_subquery()
            for column in (EarningRule.id, EarningRule.points, EarningRule.daily_cap, EarningRule.monthly_cap)]


def rule_from(action: EarningAction, values) -> Rule:
    """The rule from `rule_columns`' four values (no row: the action's defaults)."""
    row_id, points, daily_cap, monthly_cap = values
    if row_id is None:
        return Rule(action, action.points, action.daily_cap, action.monthly_cap)
    return Rule(action, points, daily_cap, monthly_cap)


def rule_for(community_id: int, action: EarningAction) -> Rule:
    row = db.session.scalar(
        select(EarningRule).where(EarningRule.community_id == community_id, EarningRule.action == action.code)
    )
    return _rule(action, row)


def rules_for(community_id: int) -> list[Rule]:
    """Every declared action's rule in this community."""
    rows = {r.action: r for r in db.session.scalars(select(EarningRule).where(EarningRule.community_id == community_id))}
    return [_rule(action, rows.get(action.code)) for action in declared()]
