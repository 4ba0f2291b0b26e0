"""Levels from lifetime earned points: a ladder of (threshold, name) per community, editable by its admins.

A community that never edited its ladder uses `DEFAULT_LADDER` (names translated: 新芽, 热心邻里…); an edited
ladder is stored in `standing_levels` with the names the admins typed. Lifetime earned never falls when points
are spent, so a level is never lost by redeeming.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import delete, select

from ..accounts.models import Role
from ..accounts.permissions import require
from ..db import db, transaction, utcnow
from ..errors import DomainError
from .models import LevelStep

DEFAULT_LADDER = (
    (0, _l("Sprout")), (50, _l("Good neighbour")), (200, _l("Active member")),
    (500, _l("Governance hand")), (1000, _l("Community star")), (2000, _l("Community model")),
)
# Lifetime earned points at which each default level starts.
LEVELS = tuple(threshold for threshold, _ in DEFAULT_LADDER)
MAX_LEVELS = 12


@dataclass(frozen=True)
class Standing:
    """Where a resident stands on their community's ladder."""

    number: int  # 1 for the first level
    name: str
    threshold: int
    next_name: str | None
    next_threshold: int | None
    lifetime: int

    @property
    def to_next(self) -> int | None:
        return None if self.next_threshold is None else self.next_threshold - self.lifetime

    @property
    def percent(self) -> int:
        """Progress from this level's threshold to the next one's, 0-100 (100 at the top)."""
        if self.next_threshold is None:
            return 100
        return int(100 * (self.lifetime - self.threshold) / (self.next_threshold - self.threshold))


class InvalidLadder(DomainError):
    code = "invalid_ladder"
    message = _l("Give one level per line: the points it starts at, a space, its name; the first starts at 0.")


def level_for(lifetime_earned: int) -> tuple[int, int | None]:
    """(level, points still needed for the next level or None at the top), on the default ladder."""
    level = sum(1 for start in LEVELS if lifetime_earned >= start)
    following = LEVELS[level] if level < len(LEVELS) else None
    return level, (following - lifetime_earned) if following is not None else None


def ladder_for(community_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(LevelStep.threshold, LevelStep.name).where(LevelStep.community_id == community_id).order_by(LevelStep.threshold)
    ).all()
    return [(r.threshold, r.name) for r in rows] or [(t, str(name)) for t, name in DEFAULT_LADDER]


def standing_on(ladder: list[tuple[int, str]], lifetime: int) -> Standing:
    index = max(i for i, (threshold, _) in enumerate(ladder) if lifetime >= threshold or i == 0)
    following = ladder[index + 1] if index + 1 < len(ladder) else (None, None)
    return Standing(index + 1, ladder[index][1], ladder[index][0], following[1], following[0], lifetime)


def standing_of(resident, lifetime: int) -> Standing:
    return standing_on(ladder_for(resident.community_id), lifetime)


def parse_ladder(text: str) -> list[tuple[int, str]]:
    """'0 新芽\\n50 热心邻里' → [(0, '新芽'), (50, '热心邻里')]; thresholds strictly rising from 0."""
    ladder = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        threshold, _, name = line.strip().partition(" ")
        name = name.strip()
        if not threshold.isdigit() or not name or len(name) > 20:
            raise InvalidLadder(field="levels")
        ladder.append((int(threshold), name))
    thresholds = [t for t, _ in ladder]
    if not ladder or thresholds[0] != 0 or thresholds != sorted(set(thresholds)) or len(ladder) > MAX_LEVELS:
        raise InvalidLadder(field="levels")
    return ladder


@transaction
def set_ladder(community, text: str, *, admin) -> list[tuple[int, str]]:
    """An admin of the community replaces its ladder (an empty text goes back to the default one)."""
    require(admin, Role.ADMIN, community)
    ladder = parse_ladder(text) if (text or "").strip() else []
    db.session.execute(delete(LevelStep).where(LevelStep.community_id == community.id))
    for threshold, name in ladder:
        db.session.add(LevelStep(community_id=community.id, threshold=threshold, name=name, updated_at=utcnow(),
                                 updated_by_id=getattr(admin, "id", None)))
    db.session.flush()
    return ladder_for(community.id)


def ladder_text(community_id: int) -> str:
    return "\n".join(f"{threshold} {name}" for threshold, name in ladder_for(community_id))


def wallet_panel(resident, lifetime_earned: int) -> Markup:
    from .badges import badges_of

    return Markup(render_template(  # rendered, so escaped already
        "standing/_wallet.html", standing=standing_of(resident, lifetime_earned), badges=badges_of(resident),
    ))
