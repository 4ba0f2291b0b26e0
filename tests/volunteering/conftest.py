"""A community with a venue, volunteers, and a 14:00–16:00 activity (Shanghai time) with 10 slots."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import Route, VenueKind
from points.proposals import services as proposals
from points.volunteering import services

START = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
END = START + timedelta(hours=2)
BEFORE = START - timedelta(days=2)


class Scene:
    def __init__(self, make) -> None:
        self.make = make
        self.community = make.community("志愿社区")
        self.staff = make.staff(self.community, name="社工小李")
        self.other_staff = make.staff(self.community, name="社工小王")
        self.resident = make.resident(self.community, name="王芳")
        services.register_volunteer(self.resident, actor=self.resident, skills=["elderly"], now=BEFORE)
        self.venue = checkin.create_venue(staff=self.staff, unit=self.community, name="志愿服务站", kind=VenueKind.HALL)

    def volunteer(self, community=None):
        person = self.make.resident(community or self.community)
        services.register_volunteer(person, actor=SYSTEM, now=BEFORE)
        return person

    def activity(self, *, start=START, hours=2, slots=10, **options):
        return services.create_activity(staff=self.staff, venue=self.venue, title=options.pop("title", "楼道清洁"),
                                        starts_at=start, ends_at=start + timedelta(hours=hours), slots=slots,
                                        now=BEFORE, **options)

    def scan(self, resident, *, at, step=None):
        return checkin.check_in(self.venue, checkin.CheckinRequest(route=Route.POSTER, actor=resident, now=at, step=step))

    def case(self, *, title="楼道灯坏了", staff=None, venue=None, implementing=True):
        """A case of the proposal workflow (a higher domain: tests may use it) carried to implementation (办), or
        only accepted; at `venue`'s community, its meeting three weeks before the activities, so scans never meet it."""
        staff, venue = staff or self.staff, venue or self.venue
        at = BEFORE - timedelta(days=21)
        case = proposals.submit_proposal(self.make.resident(venue.community), title=title, token=f"case-{title}", now=at)
        case = proposals.accept_proposal(case, actor=staff, now=at)
        if not implementing:
            return case
        meeting = proposals.schedule_deliberation(case, staff=staff, venue=venue, title="议事", now=at,
                                                  starts_at=at + timedelta(hours=1), ends_at=at + timedelta(hours=2))
        at += timedelta(hours=1)
        vote = checkin.record_show_of_hands(meeting, staff=staff, question="办不办？", yes=5, no=1, abstain=0, now=at)
        proposals.record_decision(case, staff=staff, vote=vote, now=at)
        case = proposals.publish_decision(case, staff=staff, now=at)
        return proposals.close_notice(case, actor=staff, now=case.objection_until)

    def attend(self, activity, resident=None, *, arrive=START, leave=END):
        resident = resident or self.resident
        services.sign_up(activity, resident, now=BEFORE)
        assert self.scan(resident, at=arrive).ok
        return self.scan(resident, at=leave)


@pytest.fixture
def scene(make) -> Scene:
    return Scene(make)
