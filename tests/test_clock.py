"""The one clock: local windows in Shanghai time, the TIMEZONE setting, and moving "now" for services."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from points import clock, create_app
from points.bank.models import LimitPeriod, RedemptionState
from points.db import db, utcnow
from points.errors import DomainError
from points.ledger import services as ledger
from points.checkin.earning import MEETING_ATTENDED

from .bank.conftest import BankWorld
from .conftest import _config


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# 2026-11-24 is a Tuesday; Shanghai is UTC+8 all year, so local midnight is 16:00 UTC the day before.
LAST_SECOND = utc(2026, 11, 24, 15, 59, 59)  # 23:59:59 on Tuesday 24 November, local
MIDNIGHT = utc(2026, 11, 24, 16, 0)  # 00:00 on Wednesday 25 November, local


def test_the_day_ends_at_local_midnight():
    assert clock.day(LAST_SECOND) == (utc(2026, 11, 23, 16), MIDNIGHT)
    assert clock.day(MIDNIGHT) == (MIDNIGHT, utc(2026, 11, 25, 16))
    assert clock.local_date(LAST_SECOND) == date(2026, 11, 24)
    assert clock.local_date(MIDNIGHT) == date(2026, 11, 25)


def test_windows_are_aware_utc_with_an_exclusive_end():
    start, end = clock.day(MIDNIGHT)
    assert start.tzinfo is timezone.utc and end.tzinfo is timezone.utc
    assert start <= MIDNIGHT < end and clock.day(end)[0] == end  # the end is the next window's start


def test_the_week_starts_on_monday():
    monday = utc(2026, 11, 22, 16)  # 00:00 Monday 23 November, local
    assert clock.week(LAST_SECOND) == (monday, monday + timedelta(days=7))
    assert clock.week(monday) == clock.week(monday + timedelta(days=7) - timedelta(seconds=1))  # Sunday 23:59:59
    assert clock.week(monday - timedelta(seconds=1))[1] == monday  # Sunday 22 November belongs to the week before
    assert clock.local(clock.week(MIDNIGHT)[0]).weekday() == 0


def test_month_edges():
    assert clock.month(utc(2026, 11, 30, 15, 59, 59)) == (utc(2026, 10, 31, 16), utc(2026, 11, 30, 16))
    assert clock.month(utc(2026, 11, 30, 16)) == (utc(2026, 11, 30, 16), utc(2026, 12, 31, 16))
    # 1 February 2026 07:00 local is still 31 January in UTC
    assert clock.month(utc(2026, 1, 31, 23)) == (utc(2026, 1, 31, 16), utc(2026, 2, 28, 16))


def test_year_edges():
    assert clock.year(utc(2026, 12, 31, 15, 59, 59)) == (utc(2025, 12, 31, 16), utc(2026, 12, 31, 16))
    assert clock.year(utc(2026, 12, 31, 16)) == (utc(2026, 12, 31, 16), utc(2027, 12, 31, 16))


def test_shanghai_has_no_summer_time_so_every_day_is_24_hours():
    start, end = clock.year(MIDNIGHT)
    days = 0
    moment = start
    while moment < end:
        day_start, day_end = clock.day(moment)
        assert day_end - day_start == timedelta(hours=24)
        moment, days = day_end, days + 1
    assert days == 365


def test_to_utc_reads_a_form_time_as_local():
    assert clock.to_utc(datetime(2026, 11, 24, 14, 0)) == utc(2026, 11, 24, 6, 0)
    with pytest.raises(ValueError):
        clock.to_utc(utc(2026, 11, 24, 6, 0))


def test_naive_moments_are_refused():
    with pytest.raises(ValueError):
        clock.day(datetime(2026, 11, 24, 12, 0))


def test_another_zone_moves_the_windows(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'utc.sqlite3'}", TIMEZONE="UTC"))
    with app.app_context():
        assert clock.day(LAST_SECOND) == (utc(2026, 11, 24), utc(2026, 11, 25))
        assert clock.week(LAST_SECOND) == (utc(2026, 11, 23), utc(2026, 11, 30))
        assert clock.month(LAST_SECOND) == (utc(2026, 11, 1), utc(2026, 12, 1))
        assert clock.to_utc(datetime(2026, 11, 24, 14, 0)) == utc(2026, 11, 24, 14, 0)
        assert app.config["BABEL_DEFAULT_TIMEZONE"] == "UTC"  # pages show the same zone the caps count in


def test_a_zone_with_summer_time_counts_wall_clock_days(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'berlin.sqlite3'}", TIMEZONE="Europe/Berlin"))
    with app.app_context():
        start, end = clock.day(utc(2026, 3, 29, 12))  # clocks go forward at 02:00
        assert (start, end) == (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22))


def test_the_zone_is_a_deployment_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("POINTS_TIMEZONE", "UTC")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'env.sqlite3'}", "SECRET_KEY": "x"})
    assert app.config["TIMEZONE"] == "UTC"


def test_a_misspelt_zone_stops_the_app_at_start(tmp_path):
    with pytest.raises(Exception, match="Shanghia"):
        create_app(_config(f"sqlite:///{tmp_path / 'bad.sqlite3'}", TIMEZONE="Asia/Shanghia"))


def test_frozen_stops_now_and_lets_it_run_again():
    with clock.frozen(MIDNIGHT):
        assert clock.now() == MIDNIGHT == utcnow()
        with clock.frozen(LAST_SECOND):
            assert clock.now() == LAST_SECOND
        assert clock.now() == MIDNIGHT
    assert clock.now() != MIDNIGHT


def test_the_fixture_moves_now_for_column_defaults(make, clock):
    clock.set(MIDNIGHT)
    resident = make.resident()
    db.session.flush()
    assert resident.created_at == MIDNIGHT


def test_a_daily_cap_resets_at_local_midnight_as_the_clock_moves(make, clock):
    resident = make.resident()
    ledger.set_earning_rule(resident.community_id, MEETING_ATTENDED, points=10, daily_cap=1, monthly_cap=None,
                            admin=make.admin())

    def attend(key: str):
        return ledger.award(resident, MEETING_ATTENDED, key=key, cause=("test", 1))

    clock.set(LAST_SECOND - timedelta(hours=1))
    assert attend("a").awarded
    clock.advance(hours=1)  # 23:59:59 local, the same day
    assert attend("b").refusal.reason_code == "daily_cap"
    clock.advance(seconds=1)  # 00:00 local
    assert attend("c").awarded


@pytest.mark.parametrize(("period", "last_second", "next_period"), [
    # Sunday 29 November 23:59:59 local, then Monday 30 November 00:00
    (LimitPeriod.WEEK, utc(2026, 11, 29, 15, 59, 59), utc(2026, 11, 29, 16)),
    # Monday 30 November 23:59:59 local, then Tuesday 1 December 00:00
    (LimitPeriod.MONTH, utc(2026, 11, 30, 15, 59, 59), utc(2026, 11, 30, 16)),
])
def test_a_per_resident_limit_starts_again_at_the_local_boundary(make, clock, period, last_second, next_period):
    clock.set(utc(2026, 11, 24, 4))  # Tuesday 24 November, noon local
    bank = BankWorld(make)
    reward, resident = bank.reward(stock=5, limit_count=1, limit_period=period), bank.resident()
    assert bank.request(resident, reward).status == RedemptionState.REQUESTED
    clock.set(last_second)
    with pytest.raises(DomainError) as refused:
        bank.request(resident, reward)
    assert refused.value.code == "limit_reached"
    clock.set(next_period)
    assert bank.request(resident, reward).status == RedemptionState.REQUESTED


# ------------------------------------------------------------------ working days (工作日)

SHANGHAI_10AM = 2  # 10:00 in Shanghai is 02:00 UTC


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=clock.zone()).astimezone(timezone.utc)


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 10, 1), False),  # National Day, a Thursday
    (date(2026, 10, 7), False),  # the holiday's last day, a Wednesday
    (date(2026, 10, 8), True),
    (date(2026, 10, 10), True),  # a Saturday worked in exchange (调休)
    (date(2026, 10, 11), False),  # an ordinary Sunday
    (date(2026, 2, 14), True),  # the Saturday worked before the Spring Festival
    (date(2026, 2, 16), False),  # Spring Festival, a Monday
    (date(2026, 2, 23), False),  # its last day, a Monday
    (date(2026, 2, 24), True),
    (date(2026, 2, 28), True),  # the Saturday worked after it
])
def test_working_days_follow_chinas_public_holidays_and_exchanged_days(day, working):
    assert clock.is_working_day(day) is working


def test_five_working_days_from_the_eve_of_national_day_end_after_the_holiday_and_count_the_exchanged_saturday():
    wednesday = utc(2026, 9, 30, SHANGHAI_10AM)
    # Thu 8, Fri 9, Sat 10 (调休), Mon 12, Tue 13 October: due at the end of Tuesday.
    assert clock.add_working_days(wednesday, 5) == local_midnight(date(2026, 10, 14))


def test_the_day_after_the_spring_festival_eve_saturday_is_the_first_working_day_after_the_holiday():
    friday = utc(2026, 2, 13, SHANGHAI_10AM)
    assert clock.add_working_days(friday, 1) == local_midnight(date(2026, 2, 15))  # Saturday the 14th is worked
    assert clock.add_working_days(friday, 2) == local_midnight(date(2026, 2, 25))  # then nothing until Tuesday the 24th


def test_a_year_without_holiday_data_falls_back_to_monday_to_friday_with_a_warning(caplog):
    caplog.set_level("WARNING", logger="points.clock")
    clock._warned_years.pop(2199, None)
    friday = utc(2199, 1, 4, SHANGHAI_10AM)  # 4 January 2199 is a Friday
    assert friday.astimezone(clock.zone()).weekday() == 4
    assert clock.add_working_days(friday, 1) == local_midnight(date(2199, 1, 8))  # Monday the 7th
    assert clock.is_working_day(date(2199, 1, 5)) is False
    assert [r.getMessage() for r in caplog.records].count(
        "no public-holiday calendar for 2199: working days are Monday to Friday; upgrade chinesecalendar") == 1


def test_a_communitys_override_wins_over_the_calendar():
    assert clock.is_working_day(date(2026, 10, 10), overrides={date(2026, 10, 10): False}) is False
    assert clock.is_working_day(date(2026, 10, 11), overrides={date(2026, 10, 11): True}) is True
    wednesday = utc(2026, 9, 30, SHANGHAI_10AM)
    assert clock.add_working_days(wednesday, 1, overrides={date(2026, 10, 1): True}) == local_midnight(date(2026, 10, 2))
