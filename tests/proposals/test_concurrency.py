"""Races on the real engines: 20 residents rating at once, staff screening the same suggestion at once."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from points.accounts.models import Resident
from points.accounts.permissions import SYSTEM
from points.db import db
from points.ledger.models import Transaction
from points.ledger.verify import verify_ledger
from points.proposals import services
from points.proposals.models import Proposal, ProposalState as S, ProposalTransition, Rating

from ..factories import Factory
from ..helpers import race
from .conftest import Scene


def test_twenty_ratings_at_once_then_one_outcome_award(any_app):
    with any_app.app_context():
        scene = Scene(Factory())
        proposal, at = scene.walk(S.DONE)
        proposal_id, rating_until = proposal.id, proposal.rating_until
        rater_ids = [scene.make.resident(scene.community).id for _ in range(20)]

    def rate(i):
        services.rate_proposal(db.session.get(Proposal, proposal_id), resident=db.session.get(Resident, rater_ids[i]),
                               stars=5, now=at)
        return "rated"

    assert Counter(race(any_app, 20, rate)) == {"rated": 20}

    def settle(i):
        proposal = db.session.get(Proposal, proposal_id)
        if i % 2:
            services.award_outcome(proposal, actor=SYSTEM, now=rating_until)
            return "awarded"
        services.archive_proposal(proposal, actor=SYSTEM, now=rating_until)
        return "archived"

    results = Counter(race(any_app, 6, settle))
    assert results["awarded"] == 3 and results["archived"] == 1 and results["already_archived"] == 2
    with any_app.app_context():
        assert db.session.scalar(select(func.count(Rating.id))) == 20
        outcomes = db.session.scalars(select(Transaction).where(Transaction.action == "proposal_done_rated")).all()
        assert len(outcomes) == 1
        assert db.session.scalar(select(func.count(Transaction.id)).where(Transaction.action == "rating")) == 20
        assert verify_ledger().ok


def test_two_staff_screening_at_once_make_one_decision(any_app):
    with any_app.app_context():
        scene = Scene(Factory())
        proposal_id = scene.submit().id
        second = scene.make.staff(scene.community)
        staff_ids = [scene.staff.id, second.id]

    def screen(i):
        proposal, staff = db.session.get(Proposal, proposal_id), db.session.get(Resident, staff_ids[i])
        if i == 0:
            services.accept_proposal(proposal, actor=staff)
            return "accepted"
        services.reject_proposal(proposal, actor=staff, reason="重复")
        return "rejected"

    results = race(any_app, 2, screen)
    assert sorted(results) in (["accepted", "already_accepted"], ["already_rejected", "rejected"])  # the other is told
    with any_app.app_context():
        screened = db.session.scalars(select(ProposalTransition.to_state).where(
            ProposalTransition.proposal_id == proposal_id, ProposalTransition.from_state == "submitted")).all()
        assert len(screened) == 1
        accepted = db.session.scalar(select(func.count(Transaction.id)).where(Transaction.action == "suggestion_accepted"))
        assert accepted == (1 if "accepted" in results else 0)
