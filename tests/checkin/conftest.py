"""A community with a venue and a 14:00–16:00 meeting (Shanghai time), and a fixed clock to travel on."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from points.checkin import services
from points.checkin.models import Route, VenueKind

# 14:00 on 24 November 2026 in Shanghai.
START = datetime(2026, 11, 24, 6, 0, tzinfo=timezone.utc)
END = START + timedelta(hours=2)
OPENS = START - timedelta(minutes=30)
BEFORE = START - timedelta(days=2)  # "now" when the meeting is scheduled


class Scene:
    """The people and places of one test; `meeting(...)` schedules more."""

    def __init__(self, make) -> None:
        self.make = make
        self.community = make.community("第一社区")
        self.staff = make.staff(self.community, name="社工小李")
        self.resident = make.resident(self.community, name="王芳", phone="13912345678")
        self.venue = services.create_venue(staff=self.staff, unit=self.community, name="第一社区议事厅",
                                           brand="红叶亭话", kind=VenueKind.HALL)

    def meeting(self, *, venue=None, start=START, hours=2, **options):
        return services.schedule_meeting(staff=self.staff, venue=venue or self.venue, title=options.pop("title", "楼道照明改造"),
                                         starts_at=start, ends_at=start + timedelta(hours=hours), now=BEFORE, **options)

    def scan(self, resident=None, *, venue=None, code="", at=START, **kw):
        """The resident scans the poster (or, with `code`, the kiosk) while logged in."""
        return services.check_in(venue or self.venue, services.CheckinRequest(
            route=Route.KIOSK if code else Route.POSTER, actor=resident or self.resident, code=code, device="pytest",
            now=at, **kw))

    def desk(self, meeting, *, code=None, resident=None, staff=None, at=START, route=None, **kw):
        """Staff check a resident in by member code (scanner) or by picking them (search)."""
        route = route or (Route.SCANNER if code is not None else Route.SEARCH)
        return services.check_in(meeting, services.CheckinRequest(
            route=route, actor=staff or self.staff, code=code or "", resident=resident, device="pytest", now=at, **kw))


@pytest.fixture
def scene(make) -> Scene:
    return Scene(make)
