"""What the proposal workflow awards (§9): a suggestion made and accepted, a case done and well rated, a rating."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..ledger.earning import EarningAction

SUGGESTION_SUBMITTED = EarningAction(
    "suggestion_submitted", 2, label=_l("Made a suggestion"), short_label=_l("Suggestion made"), daily_cap=3,
)
SUGGESTION_ACCEPTED = EarningAction(
    "suggestion_accepted", 20, label=_l("A suggestion was accepted as a topic"), short_label=_l("Suggestion accepted"),
)
PROPOSAL_DONE_RATED = EarningAction(
    "proposal_done_rated", 30, label=_l("A topic you raised was carried out and rated well"),
    short_label=_l("Topic carried out, rated well"),
)
RATING = EarningAction("rating", 1, label=_l("Rated a completed topic"), short_label=_l("Rated a topic"))

ACTIONS = (SUGGESTION_SUBMITTED, SUGGESTION_ACCEPTED, PROPOSAL_DONE_RATED, RATING)
