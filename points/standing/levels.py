"""Levels from lifetime earned points (a placeholder ladder until §8's levels are designed)."""
from __future__ import annotations

from flask import render_template
from markupsafe import Markup

# Lifetime earned points at which each level starts.
LEVELS = (0, 50, 200, 500, 1000, 2000)


def level_for(lifetime_earned: int) -> tuple[int, int | None]:
    """(level, points still needed for the next level or None at the top)."""
    level = sum(1 for start in LEVELS if lifetime_earned >= start)
    following = LEVELS[level] if level < len(LEVELS) else None
    return level, (following - lifetime_earned) if following is not None else None


def wallet_panel(resident, lifetime_earned: int) -> Markup:
    level, to_next = level_for(lifetime_earned)
    return Markup(render_template("standing/_level.html", level=level, to_next=to_next))  # rendered, so escaped already
