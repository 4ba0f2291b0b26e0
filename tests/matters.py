"""Matters written as rows, each date exactly where a test puts it: `November()` is a community's hand-built
November 2026 in Shanghai (tests of the proposal figures and of the indices that read them)."""
from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import VenueKind
from points.db import db
from points.proposals.models import Category, Proposal, ProposalTransition, Rating
from points.units.models import Level, Unit
from points.units.services import create_unit
from points.volunteering import services as volunteering

from .factories import Factory

_tokens = itertools.count(1)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class November:
    """Community C (compounds 一号院 and 二号院) and its cases; the window is the local month 2026-11, i.e.
    [2026-10-31 16:00Z, 2026-11-30 16:00Z)."""

    def __init__(self) -> None:
        make = Factory()
        self.venue = None
        self.c, self.other = make.community(), make.community()
        self.k1 = db.session.scalar(db.select(Unit).where(Unit.parent_id == self.c.id))
        self.b1 = make.building(self.c)
        self.k2 = create_unit("二号院", Level.COMPOUND, parent=self.c)
        self.b2 = create_unit("9号楼", Level.BUILDING, parent=self.k2)
        self.m, self.n, self.staff, self.rater = (make.resident(self.c, name=n) for n in ("党员甲", "党员乙", "社工丙", "居民丁"))
        self.raters = [make.resident(self.c) for _ in range(4)]
        self.green = Category(community_id=self.c.id, name="环境", position=0)
        self.order = Category(community_id=self.c.id, name="秩序", position=1)
        db.session.add_all([self.green, self.order])
        db.session.flush()
        c, m, n = self.c, self.m, self.n
        self.a = self.case("A", submitted=utc(2026, 10, 18), screened=utc(2026, 10, 20), unit=self.b1, state="done",
                           implementing=utc(2026, 10, 25), owner=m, due=date(2026, 11, 10),
                           done=utc(2026, 11, 10, 15), stars=(5, 4))  # 23:00 local on its deadline day: on time
        self.b = self.case("B", submitted=utc(2026, 11, 1, 2), screened=utc(2026, 11, 2), unit=self.k2, state="archived",
                           implementing=utc(2026, 11, 5), owner=m, due=date(2026, 11, 8), done=utc(2026, 11, 9, 2),
                           archived=utc(2026, 11, 20), stars=(3,), category=self.order)  # a day late
        self.case("D", submitted=utc(2026, 9, 28), screened=utc(2026, 10, 1), unit=self.b1, state="done",
                  implementing=utc(2026, 10, 5), owner=m, done=utc(2026, 10, 31, 15, 59), stars=(1,))  # 23:59 on 31 Oct
        self.case("E", submitted=utc(2026, 11, 2), screened=utc(2026, 11, 3), unit=c, state="implementing",
                  implementing=utc(2026, 11, 6), owner=m, due=date(2026, 11, 20), category=self.green)  # overdue
        self.case("F", submitted=utc(2026, 10, 3), screened=utc(2026, 10, 5), unit=self.b1, state="archived",
                  archived=utc(2026, 11, 15))  # not passed: concluded by the archive, no deadline
        self.case("G", submitted=utc(2026, 12, 1), screened=utc(2026, 12, 2), unit=c, state="accepted")  # after
        self.case("H", submitted=utc(2026, 11, 25), screening_due=utc(2026, 11, 28), unit=c, category=self.green)
        self.case("I", submitted=utc(2026, 11, 28, 20), screening_due=utc(2026, 12, 4), unit=c)  # 29 Nov local
        self.case("J", submitted=utc(2026, 11, 10), screened=utc(2026, 11, 12), unit=c, state="rejected",
                  category=self.order)
        self.case("L", submitted=utc(2026, 10, 12), screened=utc(2026, 10, 15), unit=self.b2, state="confirmed",
                  implementing=utc(2026, 10, 20), owner=n, due=date(2026, 11, 1), done=utc(2026, 10, 31, 16),
                  stars=(2,))  # 00:00 local on 1 Nov: in the window, on time
        self.case("Q", submitted=utc(2026, 10, 28), screened=utc(2026, 10, 30), unit=self.b1, state="implementing",
                  implementing=utc(2026, 11, 1), owner=self.staff, owner_kind="staff", due=date(2026, 11, 25))
        self.case("other", community=self.other, submitted=utc(2026, 11, 1), screened=utc(2026, 11, 2),
                  unit=self.other, state="done", implementing=utc(2026, 11, 3), done=utc(2026, 11, 4))
        db.session.commit()

    def case(self, title, *, submitted, unit, state="submitted", screened=None, screening_due=None, implementing=None,
             owner=None, owner_kind="party_member", due=None, done=None, archived=None, stars=(), category=None,
             community=None) -> Proposal:
        community = community or self.c
        p = Proposal(community_id=community.id, unit_id=unit.id, proposer_id=self.rater.id, entered_by_id=self.rater.id,
                     submit_token=f"t{next(_tokens)}", title=title, state=state, submitted_at=submitted,
                     screening_due_at=screening_due or submitted, screened_at=screened, due_on=due, done_at=done,
                     archived_at=archived, state_changed_at=archived or done or screened or submitted,
                     owner_kind=owner_kind if owner else None, owner_id=owner.id if owner else None,
                     category_id=category.id if category else None)
        db.session.add(p)
        db.session.flush()
        if implementing:
            db.session.add(ProposalTransition(proposal_id=p.id, from_state="publicised", to_state="implementing",
                                              created_at=implementing))
        for resident, value in zip(self.raters, stars):
            db.session.add(Rating(proposal_id=p.id, resident_id=resident.id, stars=value, created_at=done))
        return p

    def serve(self, volunteer, *, start: datetime, hours: float) -> None:
        """`volunteer` served `hours` from `start` at an activity of the community, back-filled by 社工丙 and
        confirmed by 居民丁 (both made staff the first time: nobody confirms what they entered themselves)."""
        if self.venue is None:
            for person in (self.staff, self.rater):
                accounts.grant_role(person, Role.STAFF, self.c, admin=SYSTEM)
            self.venue = checkin.create_venue(staff=self.staff, unit=self.c, name="志愿服务站", kind=VenueKind.HALL)
        before = start - timedelta(days=2)
        if volunteering.volunteer_of(volunteer) is None:
            volunteering.register_volunteer(volunteer, actor=SYSTEM, now=before)
        end = start + timedelta(hours=hours)
        activity = volunteering.create_activity(staff=self.staff, venue=self.venue, title=f"+楼道清洁{next(_tokens)}",
                                                starts_at=start, ends_at=end, slots=5, now=before)
        record = volunteering.backfill_record(activity, volunteer, staff=self.staff, started_at=start, ended_at=end,
                                              note="补录", now=end + timedelta(hours=1))
        volunteering.confirm_record(record, staff=self.rater, now=end + timedelta(hours=2))
