"""The one clock: "now" for every service, the community's local time, and its day/week/month/year windows.

Residents live by the local calendar (Asia/Shanghai unless the `TIMEZONE` setting says otherwise): a daily cap
resets at local midnight, a weekly limit on Monday. Windows are `(start, end)` in aware UTC, end exclusive, so
they compare directly with the `*_at` columns. Tests move "now" with `frozen(at)` or `set(at)`.

Working days (工作日) are China's: Monday to Friday, less the public holidays, plus the weekend days worked in
exchange (调休), as the State Council publishes them each year (the `chinesecalendar` package carries them). For a
year it has no data for yet, Monday to Friday, with a warning in the log; a community may override single days.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

try:
    import chinese_calendar
except ImportError:  # pragma: no cover - a dependency; without it, Monday to Friday
    chinese_calendar = None

DEFAULT_TIMEZONE = "Asia/Shanghai"
log = logging.getLogger(__name__)

Window = tuple[datetime, datetime]

_frozen: datetime | None = None  # set by tests; None means the system clock


def zone() -> ZoneInfo:
    """The community's local time zone: the app's `TIMEZONE` setting, or Asia/Shanghai outside an app."""
    name = current_app.config.get("TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_TIMEZONE)


def now() -> datetime:
    """The current moment, aware UTC; what services use when they are not given `now=`."""
    return _frozen if _frozen is not None else datetime.now(timezone.utc)


def local(moment: datetime | None = None) -> datetime:
    """The moment (default: now) in local time."""
    return _aware(moment).astimezone(zone())


def local_date(moment: datetime | None = None) -> date:
    """The local calendar date of the moment (default: today)."""
    return local(moment).date()


def to_utc(naive_local: datetime) -> datetime:
    """A wall-clock datetime as staff type it into a form (local, no zone) → aware UTC."""
    if naive_local.tzinfo is not None:
        raise ValueError("to_utc takes a naive local datetime")
    return naive_local.replace(tzinfo=zone()).astimezone(timezone.utc)


def day(moment: datetime | None = None) -> Window:
    """The local calendar day containing the moment."""
    first = local_date(moment)
    return _window(first, first + timedelta(days=1))


def week(moment: datetime | None = None) -> Window:
    """The local week (Monday to Sunday) containing the moment."""
    first = local_date(moment)
    first -= timedelta(days=first.weekday())
    return _window(first, first + timedelta(days=7))


def month(moment: datetime | None = None) -> Window:
    """The local calendar month containing the moment."""
    first = local_date(moment).replace(day=1)
    following = first.replace(year=first.year + 1, month=1) if first.month == 12 else first.replace(month=first.month + 1)
    return _window(first, following)


def year(moment: datetime | None = None) -> Window:
    """The local calendar year containing the moment."""
    first = local_date(moment).replace(month=1, day=1)
    return _window(first, first.replace(year=first.year + 1))


_warned_years: dict[int, bool] = {}  # years logged as unknown to the holiday calendar, once each


def is_working_day(day: date, *, overrides: Mapping[date, bool] | None = None) -> bool:
    """Whether `day` is a working day: a community's override first, then China's calendar (holidays and 调休),
    then, for a year the calendar does not know yet, Monday to Friday."""
    if overrides and day in overrides:
        return overrides[day]
    try:
        if chinese_calendar is None:
            raise NotImplementedError
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years[day.year] = True
            log.warning("no public-holiday calendar for %d: working days are Monday to Friday; "
                        "upgrade chinesecalendar", day.year)
        return day.weekday() < 5


def add_working_days(moment: datetime, days: int, *, overrides: Mapping[date, bool] | None = None) -> datetime:
    """The end of the `days`-th working day after the moment's local date (local midnight after it), in the
    moment's zone. A deadline of 5 working days from a Friday before National Day lands after the holiday."""
    day = local_date(moment)
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, overrides=overrides):
            days -= 1
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone())
    return end.astimezone(moment.tzinfo)


def set(at: datetime | None) -> None:  # noqa: A001 - clock.set reads as English at the call site
    """Stop the clock at `at` (aware); None lets it run again. For tests and demo data only."""
    global _frozen
    _frozen = None if at is None else _aware(at).astimezone(timezone.utc)


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """`with clock.frozen(at): ...`: "now" is `at` inside the block, whatever it was before."""
    before = _frozen
    set(at)
    try:
        yield
    finally:
        set(before)


def _aware(moment: datetime | None) -> datetime:
    if moment is None:
        return now()
    if moment.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return moment


def _window(first: date, following: date) -> Window:
    local_zone = zone()
    start = datetime.combine(first, time(), tzinfo=local_zone)
    end = datetime.combine(following, time(), tzinfo=local_zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)
