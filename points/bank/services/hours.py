"""The bank desk's opening hours, and pickup deadlines that end when the desk closes (never at 19:02, when nobody
is there to hand anything over).

A deadline is the pickup window (`pickup_days`) counted from now, then carried forward to the end of the opening
period it falls in, or of the next one if it falls outside opening hours: the resident always gets at least the
full window, and the last moment to collect is a moment the desk is open.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ... import clock
from ..models import DEFAULT_CLOSES_AT, DEFAULT_OPEN_DAYS, DEFAULT_OPENS_AT

WEEKDAYS = {
    1: _l("Mon"), 2: _l("Tue"), 3: _l("Wed"), 4: _l("Thu"), 5: _l("Fri"), 6: _l("Sat"), 7: _l("Sun"),
}


@dataclass(frozen=True)
class OpeningHours:
    """When the desk is open, in local time: on `days` ("12345", ISO weekdays), from `opens_at` to `closes_at`."""

    days: str = DEFAULT_OPEN_DAYS
    opens_at: time = DEFAULT_OPENS_AT
    closes_at: time = DEFAULT_CLOSES_AT

    def is_open_on(self, day: date) -> bool:
        return str(day.isoweekday()) in self.days

    def describe(self) -> str:
        """"周一至周五 09:00–17:00"; "Mon to Fri 09:00–17:00"."""
        runs: list[list[int]] = []
        for weekday in sorted({int(d) for d in self.days}):
            if runs and runs[-1][-1] == weekday - 1:
                runs[-1].append(weekday)
            else:
                runs.append([weekday])
        named = [str(WEEKDAYS[r[0]]) if len(r) == 1 else
                 (f"{WEEKDAYS[r[0]]}、{WEEKDAYS[r[1]]}" if len(r) == 2 and _zh() else
                  _("%(first)s to %(last)s", first=WEEKDAYS[r[0]], last=WEEKDAYS[r[-1]])) for r in runs]
        days = format_list(named, locale=str(get_locale() or "zh")) if named else ""
        return f"{days} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


def _zh() -> bool:
    return str(get_locale() or "").startswith("zh")


def pickup_deadline(hours: OpeningHours, *, now: datetime, days: int) -> datetime:
    """`days` from `now`, carried forward to the end of that opening period (or the next one). Aware UTC."""
    due = now + timedelta(days=days)
    first = clock.local_date(due)
    for offset in range(15):  # two weeks: every set of opening days has an open day in any one of them
        day = first + timedelta(days=offset)
        if not hours.is_open_on(day):
            continue
        closes = clock.to_utc(datetime.combine(day, hours.closes_at))
        if closes >= due:
            return closes
    return due  # no open day at all (the settings refuse that); keep the plain window
