"""What check-in awards: attending a deliberation meeting (§9: 10 points)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..ledger.earning import EarningAction

MEETING_ATTENDED = EarningAction(
    "meeting_attended", 10, label=_l("Attended a deliberation meeting"), short_label=_l("Attended a meeting"),
)
