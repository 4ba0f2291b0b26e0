"""Human descriptions of ledger lines ("参加议事会 红叶亭话 +10") and of refused awards."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .earning import declared_action
from .models import Transaction, TransactionKind

KIND_LABELS = {
    TransactionKind.MANUAL_AWARD: _l("Awarded by staff"),
    TransactionKind.REVERSAL: _l("Correction"),
    TransactionKind.HOLD: _l("Reserved for a redemption"),
    TransactionKind.SETTLE: _l("Redeemed"),
    TransactionKind.VOID: _l("Redemption returned"),
    TransactionKind.AWARD: _l("Points awarded"),
}

HOLD_OUTCOME_LABELS = {
    TransactionKind.SETTLE: _l("Redeemed"),
    TransactionKind.VOID: _l("Reserved, then returned"),
}


def describe(tx: Transaction, closed_by: str | None = None) -> str:
    """One wallet line; a hold says what became of it (`closed_by`: the settle or void that closed it)."""
    kind = TransactionKind(tx.kind)
    if kind == TransactionKind.HOLD and closed_by:
        return f"{HOLD_OUTCOME_LABELS[TransactionKind(closed_by)]} {tx.memo}".strip()
    action = declared_action(tx.action)
    if kind == TransactionKind.AWARD and action is not None:
        label = str(action.short_label)
    elif kind == TransactionKind.REVERSAL and action is not None:
        label = _("Correction: %(what)s", what=action.short_label)
    else:
        label = str(KIND_LABELS[kind])
    return f"{label} {tx.memo}".strip()



REFUSAL_LABELS = {
    "daily_cap": _l("Not counted: today's limit for this was already reached"),
    "monthly_cap": _l("Not counted: this month's limit for this was already reached"),
    "rule_disabled": _l("Not counted: the community does not award points for this"),
    "inactive_resident": _l("Not counted: the account is not active"),
    "unconfirmed": _l("Waiting: credited once community staff confirm the account"),
}


def describe_refusal(code: str) -> str:
    return str(REFUSAL_LABELS.get(code, code))
