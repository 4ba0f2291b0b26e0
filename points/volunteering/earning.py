"""What volunteering awards (§9): 10 points per confirmed hour, for at most 2 hours per activity unless the
activity sets its own cap."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..ledger.earning import EarningAction

VOLUNTEER_HOUR = EarningAction(
    "volunteer_hour", 10, label=_l("Volunteering, per confirmed hour"), short_label=_l("Volunteered"),
)
DEFAULT_POINTS_CAP_MINUTES = 120  # §9: points for at most 2 h per activity unless the activity says otherwise
