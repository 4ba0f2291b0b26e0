"""Ledger services, one module per verb: reads, awards, holds, reversals, rules; booking is the machinery they
share (the write protocol is in its docstring) and errors the refusals. Import from here."""
from .awards import (
    AwardOutcome, award, award_manually, confirm_pending_award, count_awards_of, get_pending_award, manual_awarders, pending_awards,
    reject_pending_award,
)
from .booking import chain_hash
from .errors import (
    AlreadyReversed, AwardDecided, HoldClosed, InsufficientPoints, InvalidAmount, InvalidRule, KeyReused, NotAHold, NotReversible,
    ReasonRequired,
)
from .holds import hold, reopen, settle, void
from .publication import last_verify_run, publish_heads, published_heads, rebuild_hourly_totals, record_verify_run
from .reads import HistoryLine, balance_of, community_account, get_transaction, history_of, refusals_of, wallet_of
from .reversals import REVERSIBLE, reverse
from .rules import set_earning_rule

__all__ = [
    "AwardOutcome", "award", "award_manually", "chain_hash", "confirm_pending_award", "count_awards_of", "get_pending_award",
    "manual_awarders", "pending_awards", "reject_pending_award",
    "AlreadyReversed", "AwardDecided", "HoldClosed", "InsufficientPoints", "InvalidAmount", "InvalidRule", "KeyReused", "NotAHold",
    "NotReversible", "ReasonRequired",
    "hold", "reopen", "settle", "void",
    "last_verify_run", "publish_heads", "published_heads", "rebuild_hourly_totals", "record_verify_run",
    "HistoryLine", "balance_of", "community_account", "get_transaction", "history_of", "refusals_of", "wallet_of",
    "REVERSIBLE", "reverse", "set_earning_rule",
]
