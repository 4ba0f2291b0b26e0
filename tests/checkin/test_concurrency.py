"""Scans racing each other, on SQLite and on PostgreSQL: one check-in, one award, clean books."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from points.accounts.models import Resident
from points.checkin import services
from points.checkin.models import Checkin, CheckinUndo, Meeting, Route, Venue
from points.db import db
from points.ledger import services as ledger
from points.ledger.models import Transaction
from points.ledger.verify import verify_ledger
from tests.factories import Factory

from .conftest import START, Scene
from ..helpers import race

THREADS = 20




@pytest.fixture
def setting(any_app):
    any_app.config["CHECKIN_RATE_LIMIT"] = "1000/minute"
    with any_app.app_context():
        scene = Scene(Factory())
        meeting = scene.meeting()
        others = [scene.make.resident(scene.community) for _ in range(THREADS)]
        ids = {"meeting": meeting.id, "venue": scene.venue.id, "resident": scene.resident.id, "staff": scene.staff.id,
               "others": [r.id for r in others]}
        db.session.commit()
    return any_app, ids


def test_the_same_residents_scan_twenty_times_at_once(setting):
    app, ids = setting

    def scan(i):
        resident = db.session.get(Resident, ids["resident"])
        outcome = services.check_in(db.session.get(Venue, ids["venue"]), services.CheckinRequest(
            route=Route.POSTER, actor=resident, now=START + timedelta(seconds=i)))
        return outcome.reason

    reasons = Counter(race(app, THREADS, scan))
    assert reasons == {None: 1, "already_checked_in": THREADS - 1}
    with app.app_context():
        key = f"checkin:meeting:{ids['meeting']}:resident:{ids['resident']}"
        assert db.session.scalar(select(func.count(Checkin.id)).where(Checkin.is_success)) == 1
        assert db.session.scalar(select(func.count(Checkin.id))) == THREADS  # every attempt is logged
        assert db.session.scalar(select(func.count(Transaction.id)).where(Transaction.idempotency_key == key)) == 1
        assert ledger.balance_of(db.session.get(Resident, ids["resident"])) == 10
        report = verify_ledger()
        assert report.ok, report.problems


def test_twenty_residents_at_once_are_all_checked_in(setting):
    app, ids = setting

    def desk(i):
        staff = db.session.get(Resident, ids["staff"])
        resident = db.session.get(Resident, ids["others"][i])
        return services.check_in(db.session.get(Meeting, ids["meeting"]), services.CheckinRequest(
            route=Route.SEARCH, actor=staff, resident=resident, now=START)).ok

    assert all(race(app, THREADS, desk))
    with app.app_context():
        assert services.attendance_count(db.session.get(Meeting, ids["meeting"])) == THREADS
        assert verify_ledger().ok


def test_a_device_retrying_one_nonce_at_once_gets_one_answer(setting):
    app, ids = setting

    def retry(i):
        staff = db.session.get(Resident, ids["staff"])
        member_code = db.session.get(Resident, ids["resident"]).member_code
        outcome = services.check_in(db.session.get(Meeting, ids["meeting"]), services.CheckinRequest(
            route=Route.API, actor=staff, code=member_code, nonce="one-scan", now=START))
        return outcome.checkin.id, outcome.ok

    answers = set(race(app, 10, retry))
    assert len(answers) == 1 and answers.pop()[1] is True
    with app.app_context():
        assert db.session.scalar(select(func.count(Checkin.id))) == 1


def test_two_staff_undoing_at_once_reverse_once(setting):
    app, ids = setting
    with app.app_context():
        staff = db.session.get(Resident, ids["staff"])
        row_id = services.check_in(db.session.get(Meeting, ids["meeting"]), services.CheckinRequest(
            route=Route.SEARCH, actor=staff, resident=db.session.get(Resident, ids["resident"]), now=START)).checkin.id

    def undo(i):
        try:
            services.undo_checkin(db.session.get(Checkin, row_id), staff=db.session.get(Resident, ids["staff"]), reason="认错人了")
        except services.UndoError as error:
            return error.code
        return "undone"

    assert sorted(race(app, 4, undo)) == ["already_undone"] * 3 + ["undone"]
    with app.app_context():
        assert db.session.scalar(select(func.count(CheckinUndo.id))) == 1
        assert db.session.scalar(select(func.count(Transaction.id)).where(Transaction.kind == "reversal")) == 1
        assert ledger.balance_of(db.session.get(Resident, ids["resident"])) == 0
        assert verify_ledger().ok


def test_one_ticket_used_by_six_residents_at_once_checks_in_one(setting):
    """A ticket copied to other browsers (issue 14, finding 6): the first resident claims it, atomically."""
    app, ids = setting
    with app.app_context():
        ticket_id = services.issue_ticket(db.session.get(Venue, ids["venue"]), now=START).ticket.id
        db.session.commit()

    def use(i):
        from points.checkin.models import CheckinTicket

        ticket = db.session.get(CheckinTicket, ticket_id)
        resident = db.session.get(Resident, ids["others"][i])
        outcome = services.check_in(ticket.venue, services.CheckinRequest(
            route=Route(ticket.route), actor=resident, ticket=ticket, now=START + timedelta(seconds=30)))
        return outcome.reason or "ok", outcome.checkin.detail

    answers = Counter(race(app, 6, use))
    assert answers[("ok", "")] == 1 and answers[("invalid", "ticket_used")] == 5
    with app.app_context():
        assert db.session.scalar(select(func.count(Checkin.id)).where(Checkin.is_success)) == 1
