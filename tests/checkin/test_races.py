"""PostgreSQL: check-ins and ballots racing a cancel or a close of their meeting or vote (issue 14, findings 2, 3).

SQLite serialises every write, so these races only show on PostgreSQL. Each round starts a fresh meeting; the
books must be consistent after every round: a cancelled meeting has no standing check-in, a closed one with a
headcount of 0 and standing check-ins is flagged for review, and a closed vote counts every stored ballot.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from points.accounts.models import Resident
from points.checkin import services
from points.checkin.models import Ballot, Meeting, Route, Venue, Vote
from points.db import db
from points.ledger.verify import verify_ledger
from tests.factories import Factory

from ..helpers import race
from .conftest import START, Scene

RESIDENTS = 10
ROUNDS = 4


@pytest.fixture
def people(pg_app):
    pg_app.config["CHECKIN_RATE_LIMIT"] = "10000/minute"
    pg_app.config["CHECKIN_STAFF_RATE_LIMIT"] = "10000/minute"
    with pg_app.app_context():
        scene = Scene(Factory())
        residents = [scene.make.resident(scene.community) for _ in range(RESIDENTS)]
        ids = {"venue": scene.venue.id, "staff": scene.staff.id, "residents": [r.id for r in residents]}
        db.session.commit()
    return pg_app, ids


def _meeting(app, ids, day: int) -> int:
    with app.app_context():
        meeting = services.schedule_meeting(
            staff=db.session.get(Resident, ids["staff"]), venue=db.session.get(Venue, ids["venue"]), title="楼道照明改造",
            starts_at=START + timedelta(days=day), ends_at=START + timedelta(days=day, hours=2),
            now=START - timedelta(days=2))
        db.session.commit()
        return meeting.id


def _scan_or(app, ids, meeting_id: int, day: int, staff_act):
    """RESIDENTS threads check residents in at the desk while one more does `staff_act`."""
    at = START + timedelta(days=day, minutes=10)

    def work(i):
        staff = db.session.get(Resident, ids["staff"])
        meeting = db.session.get(Meeting, meeting_id)
        if i == RESIDENTS:
            return staff_act(meeting, staff, at)
        resident = db.session.get(Resident, ids["residents"][i])
        return services.check_in(meeting, services.CheckinRequest(
            route=Route.SEARCH, actor=staff, resident=resident, now=at)).reason

    return race(app, RESIDENTS + 1, work)


def test_checkins_racing_a_cancel_leave_no_standing_checkin_on_a_cancelled_meeting(people):
    app, ids = people
    for day in range(ROUNDS):
        meeting_id = _meeting(app, ids, day)

        def cancel(meeting, staff, at):
            services.cancel_meeting(meeting, staff=staff, reason="下雨", now=at)
            return "cancelled"

        _scan_or(app, ids, meeting_id, day, cancel)
        with app.app_context():
            meeting = db.session.get(Meeting, meeting_id)
            if meeting.is_cancelled:
                assert services.attendance_count(meeting) == 0
    with app.app_context():
        assert verify_ledger().ok


def test_checkins_racing_a_close_are_flagged_against_the_headcount(people):
    app, ids = people
    for day in range(ROUNDS):
        meeting_id = _meeting(app, ids, day)

        def close(meeting, staff, at):
            services.close_meeting(meeting, staff=staff, minutes="", headcount=0, now=at)
            return "closed"

        _scan_or(app, ids, meeting_id, day, close)
        with app.app_context():
            meeting = db.session.get(Meeting, meeting_id)
            assert meeting.is_closed
            assert meeting.is_flagged_for_review == (services.attendance_count(meeting) > 0)


def test_ballots_racing_the_close_of_a_vote_are_counted_or_refused(people):
    app, ids = people
    for day in range(ROUNDS):
        meeting_id = _meeting(app, ids, day)
        at = START + timedelta(days=day, minutes=10)
        with app.app_context():
            staff = db.session.get(Resident, ids["staff"])
            meeting = db.session.get(Meeting, meeting_id)
            for resident_id in ids["residents"]:
                services.check_in(meeting, services.CheckinRequest(
                    route=Route.SEARCH, actor=staff, resident=db.session.get(Resident, resident_id), now=at))
            vote_id = services.open_vote(meeting, staff=staff, question="是否同意安装声控灯？", now=at).id
            db.session.commit()

        def work(i):
            vote = db.session.get(Vote, vote_id)
            if i == RESIDENTS:
                services.close_vote(vote, staff=db.session.get(Resident, ids["staff"]), now=at)
                return "closed"
            services.cast_ballot(vote, db.session.get(Resident, ids["residents"][i]), "yes", now=at)
            return "recorded"

        answers = race(app, RESIDENTS + 1, work)
        with app.app_context():
            vote = db.session.get(Vote, vote_id)
            stored = db.session.scalar(select(func.count(Ballot.id)).where(Ballot.vote_id == vote_id))
            assert vote.yes == stored == answers.count("recorded")
