"""A meeting on a topic invites exactly the affected unit's residents (by the unit tree), or the council and the
stakeholders staff name (1+8+N); everyone invited hears of it in their inbox, nobody else does."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from points.checkin import services as checkin
from points.db import db
from points.errors import DomainError
from points.proposals import services
from points.proposals.models import Notification
from points.units.models import Unit

from .conftest import NOW


def invited_ones(scene, meeting, people) -> set[str]:
    """The names (keys of `people`) the meeting invites, as check-in decides it and as the inbox tells it."""
    by_checkin = {name for name, r in people.items() if checkin.is_invited(meeting, r)}
    told = set(db.session.scalars(select(Notification.resident_id).where(
        Notification.kind == "meeting_invited", Notification.target == f"meeting:{meeting.id}")))
    by_inbox = {name for name, r in people.items() if r.id in told}
    assert by_checkin == by_inbox
    return by_checkin


@pytest.fixture
def people(scene, make):
    return {"proposer": scene.proposer, "neighbour": scene.neighbours[0], "elsewhere": scene.elsewhere,
            "council": scene.council, "staff": scene.staff, "other": make.resident(scene.other)}


def schedule(scene, proposal, **kw):
    start = NOW + timedelta(days=1, hours=3 * next(scene._slots))
    return services.schedule_deliberation(proposal, staff=scene.staff, venue=scene.venue, title="议事会", starts_at=start,
                                          ends_at=start + timedelta(hours=2), now=NOW, **kw)


def test_a_building_matter_invites_that_buildings_residents_and_the_council(scene, people):
    proposal = services.accept_proposal(scene.submit(unit_id=scene.proposer.unit_id), actor=scene.staff, now=NOW)
    assert proposal.unit.level == "building"
    meeting = schedule(scene, proposal)
    # staff, council and neighbours live in the proposer's building (the factory's 1号楼); 赵六 in 二号院 5号楼 does not
    assert invited_ones(scene, meeting, people) == {"proposer", "neighbour", "council", "staff"}
    assert meeting.why_ineligible(scene.elsewhere) == "invited_only"
    assert meeting.why_ineligible(scene.neighbours[0]) is None


def test_a_compound_matter_invites_the_compounds_residents_not_the_rest_of_the_community(scene, people):
    compound = db.session.get(Unit, scene.elsewhere.unit.parent_id)
    proposal = services.accept_proposal(scene.submit(scene.elsewhere, unit_id=compound.id), actor=scene.staff, now=NOW)
    meeting = schedule(scene, proposal)
    assert invited_ones(scene, meeting, people) == {"elsewhere", "council"}  # the council by name, from 1号楼
    assert meeting.why_ineligible(scene.proposer) == "invited_only"


def test_a_community_matter_invites_the_whole_community_and_nobody_outside_it(scene, people):
    proposal = services.accept_proposal(scene.submit(unit_id=scene.community.id), actor=scene.staff, now=NOW)
    meeting = schedule(scene, proposal)
    assert invited_ones(scene, meeting, people) == {"proposer", "neighbour", "elsewhere", "council", "staff"}
    assert meeting.why_ineligible(people["other"]) is not None


def test_the_council_and_named_stakeholders_only_when_staff_choose_so(scene, people):
    proposal = services.accept_proposal(scene.submit(unit_id=scene.community.id), actor=scene.staff, now=NOW)
    meeting = schedule(scene, proposal, invite="council", stakeholders=[scene.elsewhere])
    assert invited_ones(scene, meeting, people) == {"council", "elsewhere"}
    assert {i.role for i in checkin.invitees_of(meeting)} == {"council", "stakeholder"}
    assert meeting.why_ineligible(scene.proposer) == "invited_only"


def test_a_stakeholder_of_another_community_is_refused(scene, people):
    proposal = services.accept_proposal(scene.submit(), actor=scene.staff, now=NOW)
    with pytest.raises(DomainError) as error:
        schedule(scene, proposal, invite="council", stakeholders=[people["other"]])
    assert error.value.code == "invalid_stakeholder"
    assert services.meetings_of(proposal) == []


def test_an_unknown_choice_of_whom_to_invite_is_refused(scene):
    proposal = services.accept_proposal(scene.submit(), actor=scene.staff, now=NOW)
    with pytest.raises(DomainError) as error:
        schedule(scene, proposal, invite="everyone")
    assert error.value.code == "invalid_invite"


def test_an_inactive_account_in_the_area_is_not_told(scene, people):
    scene.neighbours[1].is_active_account = False
    db.session.commit()
    proposal = services.accept_proposal(scene.submit(), actor=scene.staff, now=NOW)
    schedule(scene, proposal)
    assert services.inbox_of(scene.neighbours[1]) == []
    assert [n.kind for n in services.inbox_of(scene.neighbours[2])] == ["meeting_invited"]


def test_a_stakeholder_named_later_is_told_once_and_those_named_at_scheduling_are_not_told_twice(scene, people):
    proposal = services.accept_proposal(scene.submit(unit_id=scene.community.id), actor=scene.staff, now=NOW)
    meeting = schedule(scene, proposal, invite="council", stakeholders=[scene.elsewhere])
    checkin.invite(meeting, scene.proposer, staff=scene.staff, now=NOW)
    checkin.invite(meeting, scene.elsewhere, staff=scene.staff, now=NOW)  # already invited: nothing new

    def notices(resident) -> int:
        return len(db.session.scalars(select(Notification.id).where(
            Notification.resident_id == resident.id, Notification.kind == "meeting_invited",
            Notification.target == f"meeting:{meeting.id}")).all())

    assert (notices(scene.proposer), notices(scene.elsewhere), notices(scene.council)) == (1, 1, 1)
    assert notices(people["neighbour"]) == 0
