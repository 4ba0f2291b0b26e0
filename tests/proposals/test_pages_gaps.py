"""The screening queue page and its panel, the schedule form's invitations, an admin's working days, and pages
that only read (no INSERT on a GET)."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, event, select

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.db import db
from points.errors import DomainError
from points.proposals import services
from points.proposals.models import Category, NegativeListItem, ProposalState as S

from ..helpers import login
from .conftest import NOW

BUDGET = 50 * 1024


@pytest.fixture
def page(app, scene, client, clock, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    clock.set(NOW)
    return client


@contextmanager
def writes():
    """The INSERT, UPDATE and DELETE statements sent to the database inside the block."""
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


# ------------------------------------------------------------------ the screening queue


def test_the_council_sees_the_queue_oldest_first_with_the_overdue_marked_and_counted(scene, page, clock):
    old = scene.submit(title="最早的建议", at=NOW - timedelta(days=10))
    scene.submit(title="新的建议")
    scene.walk(S.ACCEPTED, scene.submit(title="已立项的"))
    login(page, scene.council)
    response = page.get("/proposals/screening")
    assert response.status_code == 200 and len(response.data) < BUDGET
    text = response.text
    assert text.index("最早的建议") < text.index("新的建议") and "已立项的" not in text
    assert 'data-waiting="2" data-overdue="1"' in text and "2条待审核" in text and "1条已超期" in text
    queue = text[text.index('data-testid="screening-queue"'):]
    assert queue.count("badge-bad") == 1
    # the council screens from the case page, which has the forms
    assert f'href="/proposals/{old.id}"' in text
    assert f'action="/proposals/staff/{old.id}/accept"' in page.get(f"/proposals/{old.id}").text


def test_staff_see_the_queue_linking_to_the_staff_case_page_and_the_desk_shows_the_count(scene, page):
    proposal = scene.submit(at=NOW - timedelta(days=10))
    login(page, scene.staff)
    assert f'href="/proposals/staff/{proposal.id}"' in page.get("/proposals/screening").text
    desk = page.get("/staff")
    assert desk.status_code == 200
    assert re.search(r'data-testid="screening-panel-count">1<', desk.text) and "/proposals/screening" in desk.text


def test_the_councils_navigation_links_the_queue_and_a_residents_does_not(scene, page):
    assert 'href="/proposals/screening"' in login(page, scene.council).get("/proposals/mine").text
    assert 'href="/proposals/screening"' not in login(page, scene.neighbours[0]).get("/proposals/mine").text


@pytest.mark.parametrize(("who", "status"), [("neighbours", 403), ("proposer", 403)])
def test_residents_without_a_role_are_refused_the_queue(scene, page, who, status):
    person = getattr(scene, who)
    person = person[0] if isinstance(person, list) else person
    assert login(page, person).get("/proposals/screening").status_code == status


def test_a_visitor_is_sent_to_log_in(scene, page):
    response = page.get("/proposals/screening")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_communitys_staff_see_nothing_of_it(scene, page):
    scene.submit(title="本社区的建议")
    login(page, scene.other_staff)
    assert page.get(f"/proposals/screening?community={scene.community.id}").status_code == 404
    own = page.get("/proposals/screening")
    assert own.status_code == 200 and "本社区的建议" not in own.text and 'data-waiting="0"' in own.text
    assert page.get(f"/proposals/screening?community={scene.other.id}").status_code == 200


def test_a_council_member_of_another_community_sees_only_theirs(scene, page, make):
    theirs = make.resident(scene.other, name="别的议事会")
    accounts.grant_role(theirs, Role.COUNCIL, scene.other, admin=SYSTEM)
    scene.submit(title="本社区的建议")
    login(page, theirs)
    assert "本社区的建议" not in page.get("/proposals/screening").text
    assert page.get(f"/proposals/screening?community={scene.community.id}").status_code == 404


# ------------------------------------------------------------------ scheduling with invitations


def test_staff_schedule_for_the_council_and_stakeholders_named_by_member_code_or_phone(scene, page):
    proposal, _ = scene.walk(S.ACCEPTED)
    login(page, scene.staff)
    form = {"venue": scene.venue.id, "title": "", "start": "2026-12-02T19:00", "hours": 2, "invite": "council",
            "stakeholders": f"{scene.elsewhere.member_code}\n{scene.neighbours[0].phone}"}
    response = page.post(f"/proposals/staff/{proposal.id}/schedule", data=form)
    assert response.status_code == 302
    meeting = services.meetings_of(proposal)[0]
    assert meeting.audience == "invited"
    assert {i.resident_id for i in checkin.invitees_of(meeting)} == {
        scene.council.id, scene.elsewhere.id, scene.neighbours[0].id}


def test_an_unknown_stakeholder_keeps_the_input_and_says_which(scene, page):
    proposal, _ = scene.walk(S.ACCEPTED)
    login(page, scene.staff)
    form = {"venue": scene.venue.id, "title": "楼道议事", "start": "2026-12-02T19:00", "hours": 2, "invite": "council",
            "stakeholders": "NOBODY123"}
    response = page.post(f"/proposals/staff/{proposal.id}/schedule", data=form)
    assert response.status_code == 400 and "NOBODY123" in response.text and "楼道议事" in response.text
    assert services.meetings_of(proposal) == []


# ------------------------------------------------------------------ a community's own working days


def test_an_admin_sets_the_communitys_own_days_and_deadlines_read_them(scene, make):
    admin = make.admin(scene.community)
    assert services.save_working_days(scene.community, admin=admin, text="2026-12-01 休 社区活动日\n2026-12-05 班") == 2
    assert services.working_days_of(scene.community.id) == {date(2026, 12, 1): False, date(2026, 12, 5): True}
    proposal = scene.submit()  # Monday 30 November: Wed 2, Thu 3, Fri 4, Sat 5 (worked), Mon 7
    assert proposal.screening_due_at.date() == date(2026, 12, 7)  # 00:00 on the 8th in Shanghai
    assert services.working_day_lines(scene.community.id) == "2026-12-01 休 社区活动日\n2026-12-05 班"


@pytest.mark.parametrize("text", ["2026-13-01 休", "2026-12-01 放假", "明天 休", "2026-12-01 休\n2026-12-01 班"])
def test_a_bad_line_is_refused(scene, make, text):
    admin = make.admin(scene.community)
    with pytest.raises(DomainError) as error:
        services.save_working_days(scene.community, admin=admin, text=text)
    assert error.value.code == "invalid_working_days"


def test_staff_may_not_set_working_days(scene):
    with pytest.raises(DomainError) as error:
        services.save_working_days(scene.community, admin=scene.staff, text="2026-12-01 休")
    assert error.value.code == "not_allowed"


def test_only_admins_see_and_post_the_working_days_form(scene, page, make):
    admin = make.admin(scene.community)
    url = f"/proposals/staff/settings?community={scene.community.id}"
    assert "working_days" not in login(page, scene.staff).get(url).text
    assert page.post(f"/proposals/staff/settings/working-days?community={scene.community.id}",
                     data={"working_days": "2026-12-01 休"}).status_code == 403
    login(page, admin)
    assert "working_days" in page.get(url).text
    bad = page.post(f"/proposals/staff/settings/working-days?community={scene.community.id}",
                    data={"working_days": "2026-12-01 放假"})
    assert bad.status_code == 400 and "2026-12-01 放假" in bad.text
    good = page.post(f"/proposals/staff/settings/working-days?community={scene.community.id}",
                     data={"working_days": "2026-12-01 休"})
    assert good.status_code == 302 and services.working_days_of(scene.community.id) == {date(2026, 12, 1): False}


# ------------------------------------------------------------------ GET writes nothing


def _pages(scene, proposal) -> list[str]:
    return ["/proposals/new", f"/proposals/staff/{proposal.id}", "/proposals/staff/new",
            f"/proposals/staff/settings?community={scene.community.id}", "/proposals/screening", "/proposals/staff"]


def test_a_new_community_has_its_lists_from_the_start(scene):
    assert len(services.categories_of(scene.other.id)) == 5 and len(services.negative_list_of(scene.other.id)) == 5


@pytest.mark.parametrize("lists", ["kept", "none"])
def test_the_suggestion_and_staff_pages_write_nothing_on_a_get(scene, page, lists):
    proposal = scene.submit()
    if lists == "none":  # a community whose lists are gone: pages still only read
        db.session.execute(delete(Category).where(Category.community_id == scene.community.id))
        db.session.execute(delete(NegativeListItem).where(NegativeListItem.community_id == scene.community.id))
        db.session.commit()
    login(page, scene.staff)
    for url in _pages(scene, proposal):
        with writes() as statements:
            response = page.get(url)
        assert response.status_code == 200, url
        assert statements == [], url
    assert (db.session.scalar(select(Category.id).where(Category.community_id == scene.community.id)) is None) == (
        lists == "none")


def test_a_unit_meeting_shows_its_area_to_staff_and_residents_and_keeps_it_on_edit(scene, page):
    proposal, _ = scene.walk(S.DELIBERATING)
    meeting = services.meetings_of(proposal)[0]
    building = meeting.unit.name
    login(page, scene.staff)
    staff_page = page.get(f"/staff/meetings/{meeting.id}")
    assert staff_page.status_code == 200 and building in staff_page.text
    edit = page.get(f"/staff/meetings/{meeting.id}/edit")
    assert edit.status_code == 200 and re.search(r'value="unit"[^>]*checked|checked[^>]*value="unit"', edit.text)
    login(page, scene.neighbours[0])
    resident_page = page.get(f"/meetings/{meeting.id}")
    assert resident_page.status_code == 200 and building in resident_page.text
    assert building in page.get("/meetings").text
    assert services.inbox_of(scene.neighbours[0])[0].kind == "meeting_invited"
    note = services.inbox_of(scene.neighbours[0])[0]
    opened = page.post(f"/proposals/inbox/{note.id}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/meetings/{meeting.id}")
