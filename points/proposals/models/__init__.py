"""The proposal workflow (议题, §4): a resident's suggestion through screening, deliberation, decision, notice,
implementation, evaluation and archive (集、定、议、公、办、督、评、备); and the resident's inbox (消息).

`Proposal.state` moves only along `TRANSITIONS`, one service call per move, each move one `ProposalTransition`
row (who, when, note). Everything else a case gathers (objections, progress updates, ratings) has a table of its own.
"""
from __future__ import annotations

from .case import CoProposer, Follow, Objection, ProgressUpdate, Proposal, ProposalTransition, Rating
from .inbox import Notification
from .settings import Category, NegativeListItem, ProposalSettings, WorkingDayOverride
from .states import (
    DEFAULT_CATEGORIES, DEFAULT_NEGATIVE_LIST, DEFAULT_OBJECTION_DAYS, DEFAULT_RATING_DAYS, DEFAULT_SCREENING_DAYS,
    DEFAULT_THRESHOLD_PERCENT, MAX_PHOTOS, NEXT_STEP, OPEN_TOPIC_STATES, OUTCOME_MIN_AVERAGE, OUTCOME_MIN_RATINGS,
    OWNER_KIND_LABELS, PROPOSAL_PHOTOS, PUBLIC_STATES, RATING_STATES, STATE_LABELS, TRANSITIONS, OwnerKind,
    ProposalState,
)

__all__ = [
    "DEFAULT_CATEGORIES", "DEFAULT_NEGATIVE_LIST", "DEFAULT_OBJECTION_DAYS", "DEFAULT_RATING_DAYS",
    "DEFAULT_SCREENING_DAYS", "DEFAULT_THRESHOLD_PERCENT", "MAX_PHOTOS", "NEXT_STEP", "OPEN_TOPIC_STATES",
    "OUTCOME_MIN_AVERAGE", "OUTCOME_MIN_RATINGS", "OWNER_KIND_LABELS", "PROPOSAL_PHOTOS", "PUBLIC_STATES",
    "RATING_STATES", "STATE_LABELS", "TRANSITIONS",
    "Category", "CoProposer", "Follow", "NegativeListItem", "Notification", "Objection", "OwnerKind", "ProgressUpdate",
    "Proposal", "ProposalSettings", "ProposalState", "ProposalTransition", "Rating", "WorkingDayOverride",
]
