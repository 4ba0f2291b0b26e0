"""The earning vocabulary's shape. The ledger owns the mechanism; each domain declares the actions it awards.

A domain declares its actions as module constants (`MEETING_ATTENDED = EarningAction(...)` in checkin/earning.py),
awards with them (`ledger.award(resident, MEETING_ATTENDED, ...)`) and registers them in its `init_app`
(`registry(app).earning_action(...)`), so that the public rules page and the admin's page list them. The defaults
are §9's; each community may override points and caps (`EarningRule` rows, keyed by `code`).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domains import registry


@dataclass(frozen=True)
class EarningAction:
    code: str  # stored on transactions and rules: never rename one that has been used
    points: int  # the default amount
    label: str  # for the rules pages ("Attended a deliberation meeting"); lazily translated
    short_label: str  # for a history line ("Attended a meeting"); lazily translated
    daily_cap: int | None = None  # default caps per resident (None: no cap)
    monthly_cap: int | None = None

    def __str__(self) -> str:
        return self.code


def declared() -> list[EarningAction]:
    """The actions the installed domains award, in the order they were declared."""
    return list(registry().earning_actions.values())


def declared_action(code: str | None) -> EarningAction | None:
    return registry().earning_actions.get(code) if code else None
