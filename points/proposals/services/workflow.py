"""Every move of a case, one service call each, one module per stage: suggest (suggest), screen: accept / reject /
merge (screening), schedule deliberation, record and publish the decision, close the notice (deliberation), carry
out and mark done (implementation), rate, confirm or dispute, award the outcome, archive (evaluation).

Each call re-reads the case under a row lock (`machinery.lock`), checks the move against `TRANSITIONS`
(`machinery.move`), records one `ProposalTransition` and announces it. Points go only through `ledger.award`, under
keys derived from the case and the person (`proposal:<id>:accepted:<resident>`), so a retry, a race or a merge never
pays twice. Lock order: the case → (the chain head, inside the ledger).

This module gathers the stages' functions under one name, as they were before the split.
"""
from __future__ import annotations

from .deliberation import (
    answer_objection, close_notice, meetings_of, publish_decision, raise_objection, record_decision,
    schedule_deliberation, unanswered_objections, votes_for,
)
from .evaluation import (
    archive_proposal, award_outcome, confirm_completion, dispute_completion, may_rate, proposers_of, rate_proposal,
    rating_summary, settle_due,
)
from .implementation import assign_owner, claim_task, mark_done, post_update
from .machinery import MOVE_EVENTS
from .screening import accept_proposal, may_screen, merge_proposal, reject_proposal
from .suggest import MAX_DESCRIPTION, MAX_TITLE, affected_units, submit_proposal

__all__ = [
    "MAX_DESCRIPTION", "MAX_TITLE", "MOVE_EVENTS",
    "accept_proposal", "affected_units", "answer_objection", "archive_proposal", "assign_owner", "award_outcome",
    "claim_task", "close_notice", "confirm_completion", "dispute_completion", "mark_done", "may_rate", "may_screen",
    "meetings_of", "merge_proposal", "post_update", "proposers_of", "publish_decision", "raise_objection",
    "rate_proposal", "rating_summary", "record_decision", "reject_proposal", "schedule_deliberation", "settle_due",
    "submit_proposal", "unanswered_objections", "votes_for",
]
