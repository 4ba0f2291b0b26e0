"""Human descriptions of ledger lines ("参加议事会 红叶亭话 +10") and levels from lifetime points."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .models import Action, Transaction, TransactionKind

SHORT_LABELS = {
    Action.SUGGESTION_SUBMITTED: _l("Suggestion"),
    Action.SUGGESTION_ACCEPTED: _l("Suggestion accepted"),
    Action.PROPOSAL_DONE_RATED: _l("Proposal done and rated well"),
    Action.RATING: _l("Rating a proposal"),
    Action.MEETING_ATTENDED: _l("Attended a meeting"),
    Action.VOLUNTEER_HOUR: _l("Volunteering"),
}

KIND_LABELS = {
    TransactionKind.MANUAL_AWARD: _l("Awarded by staff"),
    TransactionKind.REVERSAL: _l("Correction"),
    TransactionKind.HOLD: _l("Redemption held"),
    TransactionKind.SETTLE: _l("Redeemed"),
    TransactionKind.VOID: _l("Redemption returned"),
    TransactionKind.AWARD: _l("Points awarded"),
}

# Lifetime earned points at which each level starts (a placeholder scale until §8's levels are designed).
LEVELS = (0, 50, 200, 500, 1000, 2000)


def describe(tx: Transaction) -> str:
    kind = TransactionKind(tx.kind)
    if kind == TransactionKind.AWARD and tx.action:
        label = str(SHORT_LABELS.get(Action(tx.action), KIND_LABELS[kind]))
    elif kind == TransactionKind.REVERSAL and tx.action:
        label = _("Correction: %(what)s", what=SHORT_LABELS.get(Action(tx.action), ""))
    else:
        label = str(KIND_LABELS[kind])
    return f"{label} {tx.memo}".strip()


def level_for(lifetime_earned: int) -> tuple[int, int | None]:
    """(level, points still needed for the next level or None at the top)."""
    level = sum(1 for start in LEVELS if lifetime_earned >= start)
    following = LEVELS[level] if level < len(LEVELS) else None
    return level, (following - lifetime_earned) if following is not None else None


REFUSAL_LABELS = {
    "daily_cap": _l("Not counted: today's limit for this was already reached"),
    "monthly_cap": _l("Not counted: this month's limit for this was already reached"),
    "rule_disabled": _l("Not counted: the community does not award points for this"),
    "inactive_resident": _l("Not counted: the account is not active"),
}


def describe_refusal(code: str) -> str:
    return str(REFUSAL_LABELS.get(code, code))
