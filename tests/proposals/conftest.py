"""A community with a proposer, neighbours in the proposer's building, a resident elsewhere in the community, a
council member, staff, another community's staff and a venue; `walk(state)` takes a fresh case to any stage."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import VenueKind
from points.proposals import services
from points.proposals.models import ProposalState as S
from points.units.models import Level
from points.units.services import create_unit

from ..factories import PASSWORD

# 10:00 on Monday 30 November 2026 in Shanghai.
NOW = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
_tokens = itertools.count(1)
_scenes = itertools.count(1)


class Scene:
    def __init__(self, make) -> None:
        self.make = make
        n = next(_scenes)  # several scenes in one database (property tests) need names of their own
        self.community = make.community(f"幸福社区{n}")
        self.staff = make.staff(self.community, name="社工小李")
        self.proposer = make.resident(self.community, name="王芳")
        self.neighbours = [make.resident(self.community) for _ in range(3)]
        compound = create_unit("二号院", Level.COMPOUND, parent=self.community)
        building = create_unit("5号楼", Level.BUILDING, parent=compound)
        self.elsewhere = accounts.register_resident(name="赵六", phone=f"137{n:08d}", password=PASSWORD, unit=building)
        self.council = make.resident(self.community, name="议事会张")
        accounts.grant_role(self.council, Role.COUNCIL, self.community, admin=SYSTEM)
        self.other = make.community(f"别的社区{n}")
        self.other_staff = make.staff(self.other, name="别的社工")
        self._slots = itertools.count()
        self.venue = checkin.create_venue(staff=self.staff, unit=self.community, name="议事厅", kind=VenueKind.HALL)

    def submit(self, resident=None, *, title="楼道灯坏了", at=NOW, **kw):
        resident = resident or self.proposer
        kw.setdefault("unit_id", resident.unit_id)
        return services.submit_proposal(resident, title=title, description="三楼到五楼的灯不亮", token=f"t{next(_tokens)}",
                                        now=at, **kw)

    def meeting(self, proposal, *, at=NOW):
        start = at + timedelta(days=1, hours=3 * next(self._slots))  # one venue: each meeting at its own time
        return services.schedule_deliberation(proposal, staff=self.staff, venue=self.venue, title="楼道灯议事",
                                              starts_at=start, ends_at=start + timedelta(hours=2), now=at)

    def walk(self, target: S, proposal=None, *, passed=True):
        """A case moved by the usual path to `target`; returns (proposal, the moment it got there)."""
        at = NOW
        proposal = proposal or self.submit()
        if target == S.SUBMITTED:
            return proposal, at
        proposal = services.accept_proposal(proposal, actor=self.staff, now=at)
        if target == S.ACCEPTED:
            return proposal, at
        meeting = self.meeting(proposal, at=at)
        if target == S.DELIBERATING:
            return proposal, at
        at = meeting.starts_at + timedelta(minutes=30)
        vote = checkin.record_show_of_hands(meeting, staff=self.staff, question="是否更换灯具", yes=8 if passed else 2,
                                            no=2 if passed else 8, abstain=1, now=at)
        proposal = services.record_decision(proposal, staff=self.staff, vote=vote, text="同意更换", now=at)
        if target == S.DECIDED:
            return proposal, at
        proposal = services.publish_decision(proposal, staff=self.staff, now=at)
        if target == S.PUBLICISED:
            return proposal, at
        at = proposal.objection_until
        proposal = services.close_notice(proposal, actor=self.staff, now=at)
        if target in (S.IMPLEMENTING, S.ARCHIVED) and proposal.status == target:
            return proposal, at
        proposal = services.mark_done(proposal, staff=self.staff, now=at)
        if target == S.DONE:
            return proposal, at
        proposal = services.confirm_completion(proposal, resident=self.proposer, now=at)
        if target == S.CONFIRMED:
            return proposal, at
        at = proposal.rating_until
        return services.archive_proposal(proposal, actor=self.staff, now=at), at


@pytest.fixture
def scene(make) -> Scene:
    return Scene(make)
