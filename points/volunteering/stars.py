"""Star volunteers (星级志愿者) by confirmed hours, the national volunteer-record measures (§6)."""
from __future__ import annotations

from dataclasses import dataclass

STAR_HOURS = (100, 300, 600, 1000, 1500)  # 1★ … 5★


@dataclass(frozen=True)
class StarLevel:
    stars: int  # 0 to 5
    hours: float  # confirmed hours
    next_hours: int | None  # the threshold of the next star, None at 5★
    progress: int  # percent of the way from this star's threshold to the next one

    @property
    def hours_to_next(self) -> float | None:
        return None if self.next_hours is None else round(self.next_hours - self.hours, 1)


def star_level(minutes: int) -> StarLevel:
    hours = minutes / 60
    stars = sum(1 for threshold in STAR_HOURS if hours >= threshold)
    if stars == len(STAR_HOURS):
        return StarLevel(stars, round(hours, 1), None, 100)
    floor = STAR_HOURS[stars - 1] if stars else 0
    ceiling = STAR_HOURS[stars]
    return StarLevel(stars, round(hours, 1), ceiling, int(100 * (hours - floor) / (ceiling - floor)))
