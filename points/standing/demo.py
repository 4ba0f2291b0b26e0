"""Demo standing, after every other domain's demo data (standing comes late in `DOMAINS`): the badges those awards
earned, two more party members for the pioneer index, and residents' public-list choices (one shows her full
name, one leaves every list; the rest are masked, 王**)."""
from __future__ import annotations

from ..db import db
from .badges import catch_up
from .boards import set_public_choice


def load(context: dict) -> None:
    residents = context.get("residents") or []
    if len(residents) < 8:
        return
    for member in (residents[3], residents[6]):  # they attended the demo meetings: the index has something to rate
        member.is_party_member = True
    db.session.commit()
    set_public_choice(residents[4], show_name=True, hidden=False)
    set_public_choice(residents[7], show_name=False, hidden=True)
    catch_up()
