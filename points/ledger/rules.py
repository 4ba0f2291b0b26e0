"""Earning rules: §9 defaults, overridden per community by `EarningRule` rows."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..db import db
from .models import Action, EarningRule


@dataclass(frozen=True)
class Rule:
    action: Action
    points: int
    daily_cap: int | None = None
    monthly_cap: int | None = None


DEFAULT_RULES: dict[Action, Rule] = {
    Action.SUGGESTION_SUBMITTED: Rule(Action.SUGGESTION_SUBMITTED, 2, daily_cap=3),
    Action.SUGGESTION_ACCEPTED: Rule(Action.SUGGESTION_ACCEPTED, 20),
    Action.PROPOSAL_DONE_RATED: Rule(Action.PROPOSAL_DONE_RATED, 30),
    Action.RATING: Rule(Action.RATING, 1),
    Action.MEETING_ATTENDED: Rule(Action.MEETING_ATTENDED, 10),
    Action.VOLUNTEER_HOUR: Rule(Action.VOLUNTEER_HOUR, 10),
}

ACTION_LABELS = {
    Action.SUGGESTION_SUBMITTED: _l("Suggestion submitted"),
    Action.SUGGESTION_ACCEPTED: _l("Suggestion accepted as a topic"),
    Action.PROPOSAL_DONE_RATED: _l("Proposal done and rated well"),
    Action.RATING: _l("Rated a finished proposal"),
    Action.MEETING_ATTENDED: _l("Attended a deliberation meeting"),
    Action.VOLUNTEER_HOUR: _l("Volunteering (per hour)"),
}


def rule_for(community_id: int, action: Action) -> Rule:
    row = db.session.scalar(
        select(EarningRule).where(EarningRule.community_id == community_id, EarningRule.action == action.value)
    )
    if row is None:
        return DEFAULT_RULES[action]
    return Rule(action, row.points, row.daily_cap, row.monthly_cap)


def rules_for(community_id: int) -> list[Rule]:
    rows = {
        r.action: r
        for r in db.session.scalars(select(EarningRule).where(EarningRule.community_id == community_id))
    }
    result = []
    for action, default in DEFAULT_RULES.items():
        row = rows.get(action.value)
        result.append(default if row is None else Rule(action, row.points, row.daily_cap, row.monthly_cap))
    return result
