"""Badges: granted in the award's own transaction, once per resident and badge under replays, catch-up runs and
PostgreSQL concurrency; volunteer-hour badges come through a figure provider."""
from __future__ import annotations

from sqlalchemy import func, select

from points.checkin.earning import MEETING_ATTENDED
from points.db import db
from points.ledger import services as ledger
from points.standing.badges import BADGES, badges_of, catch_up
from points.standing.models import EarnedBadge
from points.proposals.earning import SUGGESTION_SUBMITTED
from points.volunteering.earning import VOLUNTEER_HOUR

from ..factories import Factory
from ..helpers import provide_figure, race



def _badges(resident) -> list[str]:
    return sorted(db.session.scalars(select(EarnedBadge.badge).where(EarnedBadge.resident_id == resident.id)))


def _meeting(resident, n: int):
    return ledger.award(resident, MEETING_ATTENDED, key=f"meeting:{resident.id}:{n}", cause=("test", n))  # not a real check-in: those are undone, not reversed


def test_five_meetings_earn_the_badge_in_the_fifth_awards_transaction(make):
    resident = make.resident()
    for n in range(4):
        _meeting(resident, n)
    assert _badges(resident) == []
    fifth = _meeting(resident, 4).transaction
    assert _badges(resident) == ["meetings_5"]
    badge = db.session.scalar(select(EarnedBadge))
    assert badge.earned_at == fifth.created_at
    _meeting(resident, 4)  # a replay books nothing and grants nothing
    _meeting(resident, 5)
    assert _badges(resident) == ["meetings_5"]
    assert [b.code for b, _ in badges_of(resident)] == ["meetings_5"]


def test_a_reversed_award_does_not_count(make):
    resident = make.resident()
    staff = make.staff(resident.community)
    first = _meeting(resident, 0).transaction
    ledger.reverse(first, actor=staff, reason="错记")
    for n in range(1, 5):
        _meeting(resident, n)
    assert _badges(resident) == []


def test_catch_up_grants_what_awards_did_not_and_is_idempotent(app, make):
    resident = make.resident()
    from points import events
    from points.standing.receivers import badges_on_award

    events.disconnect(events.points_awarded, badges_on_award)  # as if the badge were added after the awards
    try:
        for n in range(5):
            _meeting(resident, n)
        ledger.award(resident, SUGGESTION_SUBMITTED, key="s1", cause=("suggestion", 1))
    finally:
        events.in_transaction(events.points_awarded)(badges_on_award)
    assert _badges(resident) == []
    assert catch_up() == 2
    assert _badges(resident) == ["first_suggestion", "meetings_5"]
    assert catch_up() == 0
    assert _badges(resident) == ["first_suggestion", "meetings_5"]


def test_volunteer_hour_badges_read_the_provided_figure(app, make):
    resident = make.resident()
    hours = {resident.id: 12.0}
    provide_figure(app, "volunteer_hours", lambda ids, start, end: hours, by="resident", label="Volunteer hours")
    ledger.award(resident, VOLUNTEER_HOUR, key="v1", cause=("volunteering", 1))  # volunteering's declared action
    assert _badges(resident) == ["volunteer_10"]
    hours[resident.id] = 55
    assert catch_up() == 1
    assert _badges(resident) == ["volunteer_10", "volunteer_50"]


def test_each_badge_has_a_distinct_code_and_an_inline_svg(client, make, auth):
    assert len({b.code for b in BADGES}) == len(BADGES)
    resident = make.resident(phone="13955550001")
    for n in range(5):
        _meeting(resident, n)
    auth.login("13955550001")
    page = client.get("/wallet").get_data(as_text=True)
    badges = page.split('data-testid="badges"', 1)[1].split("</ul>", 1)[0]  # the badge list, not the page's icons
    assert "<svg class=\"badge-icon\"" in badges and "<img" not in badges and ".png" not in badges


def test_twenty_concurrent_awards_grant_one_badge_on_postgresql(pg_app):
    with pg_app.app_context():
        resident = Factory().resident()
        resident_id = resident.id
        db.session.commit()

    def work(i):
        from points.accounts.models import Resident

        person = db.session.get(Resident, resident_id)
        return _meeting(person, i).awarded

    assert all(race(pg_app, 20, work))
    with pg_app.app_context():
        counts = dict(db.session.execute(select(EarnedBadge.badge, func.count()).group_by(EarnedBadge.badge)).all())
        assert counts == {"meetings_5": 1, "meetings_20": 1}


def test_concurrent_catch_up_runs_grant_each_badge_once_on_postgresql(pg_app):
    with pg_app.app_context():
        resident = Factory().resident()
        from points import events
        from points.standing.receivers import badges_on_award

        events.disconnect(events.points_awarded, badges_on_award)
        try:
            for n in range(5):
                _meeting(resident, n)
        finally:
            events.in_transaction(events.points_awarded)(badges_on_award)
        db.session.commit()
    granted = race(pg_app, 8, lambda i: catch_up())
    assert sum(granted) == 1
    with pg_app.app_context():
        assert db.session.scalar(select(func.count(EarnedBadge.id))) == 1
