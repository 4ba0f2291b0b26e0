"""Random sequences of moves against a plain model of the allowed ones: no sequence reaches a state the table
forbids, every refusal leaves the case where it was, and no proposer is ever paid more than the rules allow."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.db import db
from points.errors import DomainError
from points.ledger.models import Transaction
from points.ledger.verify import verify_ledger
from points.proposals import services
from points.proposals.models import TRANSITIONS, Proposal, ProposalState as S, ProposalTransition

from .conftest import NOW, Scene

STEPS = ("accept", "reject", "merge", "schedule", "decide", "publish", "close", "done", "confirm", "dispute", "rate",
         "archive", "object")
# The plain model: which state each step may start from, and where it leads.
MODEL = {
    "accept": ({S.SUBMITTED}, S.ACCEPTED), "reject": ({S.SUBMITTED}, S.REJECTED), "merge": ({S.SUBMITTED}, S.MERGED),
    "schedule": ({S.ACCEPTED, S.DELIBERATING}, S.DELIBERATING), "decide": ({S.DELIBERATING}, S.DECIDED),
    "publish": ({S.DECIDED}, S.PUBLICISED), "close": ({S.PUBLICISED}, None), "done": ({S.IMPLEMENTING}, S.DONE),
    "confirm": ({S.DONE}, S.CONFIRMED), "dispute": ({S.DONE}, S.IMPLEMENTING),
    "rate": ({S.DONE, S.CONFIRMED}, None), "archive": ({S.DONE, S.CONFIRMED}, S.ARCHIVED),
    "object": ({S.PUBLICISED}, None),
}


def _run(scene, proposal, topic, step, at, raters):
    staff = scene.staff
    if step == "accept":
        services.accept_proposal(proposal, actor=staff, now=at)
    elif step == "reject":
        services.reject_proposal(proposal, actor=staff, reason="不议", now=at)
    elif step == "merge":
        services.merge_proposal(proposal, into=topic, actor=staff, now=at)
    elif step == "schedule":
        scene.meeting(proposal, at=at)
    elif step == "decide":
        meetings = services.meetings_of(proposal)
        if not meetings:
            raise DomainError(code="no_meeting")  # nothing to take a vote from: as refused
        meeting = meetings[-1]
        vote = checkin.record_show_of_hands(meeting, staff=staff, question="表决", yes=3, no=1, abstain=0,
                                            now=max(at, meeting.starts_at))
        services.record_decision(proposal, staff=staff, vote=vote, now=at)
    elif step == "publish":
        services.publish_decision(proposal, staff=staff, now=at)
    elif step == "close":
        services.close_notice(proposal, actor=staff, now=at + timedelta(days=30))
    elif step == "done":
        services.mark_done(proposal, staff=staff, now=at)
    elif step == "confirm":
        services.confirm_completion(proposal, resident=scene.proposer, now=at)
    elif step == "dispute":
        services.dispute_completion(proposal, resident=scene.proposer, reason="没修好", now=at)
    elif step == "rate":
        services.rate_proposal(proposal, resident=raters[0], stars=5, now=at)
        raters.append(raters.pop(0))
    elif step == "archive":
        services.archive_proposal(proposal, actor=SYSTEM, now=at + timedelta(days=30))
    elif step == "object":
        services.raise_objection(proposal, resident=scene.elsewhere, reason="异议", now=at)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(STEPS), min_size=1, max_size=14))
def test_random_move_sequences_follow_the_table_and_pay_by_the_rules(make, steps):
    scene = Scene(make)
    topic, _ = scene.walk(S.ACCEPTED, scene.submit(scene.neighbours[0], title="开放议题"))
    proposal = scene.submit()
    raters = list(scene.neighbours)
    at = NOW
    for step in steps:
        at += timedelta(hours=1)
        before = db.session.get(Proposal, proposal.id).status
        allowed, target = MODEL[step]
        try:
            _run(scene, proposal, topic, step, at, raters)
            ok = True
        except DomainError:
            db.session.rollback()
            ok = False
        after = db.session.get(Proposal, proposal.id).status
        if before not in allowed:
            assert not ok and after == before, (step, before)
        elif ok:
            if target is not None:
                assert after == target or (step == "archive" and after == S.ARCHIVED)
            elif step == "close":
                assert after == S.IMPLEMENTING
            else:
                assert after == before
        else:
            assert after == before
    rows = db.session.scalars(select(ProposalTransition).where(ProposalTransition.proposal_id == proposal.id)
                              .order_by(ProposalTransition.id)).all()
    for row in rows[1:]:
        assert S(row.to_state) in TRANSITIONS[S(row.from_state)]
    paid = dict(db.session.execute(select(Transaction.action, func.count(Transaction.id))
                                   .where(Transaction.resident_id == scene.proposer.id).group_by(Transaction.action)).all())
    assert paid.get("suggestion_submitted", 0) <= 1
    assert paid.get("suggestion_accepted", 0) <= 1
    assert paid.get("proposal_done_rated", 0) <= 1
    assert verify_ledger().ok
