"""The wallet's volunteering panel: confirmed hours and the star level, or an invitation to volunteer."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

from .services import stars_of, volunteer_of


def wallet_panel(resident, lifetime_earned: int) -> Markup:
    return Markup(render_template("volunteering/_wallet.html", volunteer=volunteer_of(resident),  # rendered, so escaped
                                  stars=stars_of(resident)))
