"""An activity serves a case in implementation (办): the link is a real foreign key, offered and checked through
the registry (volunteering does not import proposals), kept when the case moves on, and the case's page and
file list the activity with its confirmed hours."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from points.checkin import services as checkin
from points.checkin.models import VenueKind
from points.db import db
from points.domains import registry
from points.proposals import services as proposals
from points.volunteering import services

from ..helpers import login
from .conftest import BEFORE, END, START


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(Exception) as caught:
        fn(*args, **kwargs)
    return caught.value.code


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


# ------------------------------------------------------------------ services


def test_an_activity_serves_a_case_in_implementation(scene):
    case = scene.case()
    activity = scene.activity(proposal_id=case.id)
    assert activity.proposal_id == case.id
    assert [c.id for c in registry().open_cases([scene.community.id])] == [case.id]


def test_a_case_not_in_implementation_is_refused(scene):
    case = scene.case(implementing=False)
    assert _code(scene.activity, proposal_id=case.id) == "proposal_not_implementing"
    assert registry().open_cases([scene.community.id]) == []


def test_another_communitys_case_or_none_at_all_is_refused(scene):
    stranger = scene.make.staff(scene.make.community("别的社区"))
    venue = checkin.create_venue(staff=stranger, unit=stranger.community, name="别的议事厅", kind=VenueKind.HALL)
    theirs = scene.case(staff=stranger, venue=venue)
    assert _code(scene.activity, proposal_id=theirs.id) == "invalid_proposal"
    assert _code(scene.activity, proposal_id=999_999) == "invalid_proposal"


def test_the_link_stays_when_the_case_moves_on_but_no_new_one_is_made(scene):
    case = scene.case()
    activity = scene.activity(proposal_id=case.id)
    proposals.mark_done(case, staff=scene.staff, now=BEFORE)
    services.update_activity(activity, staff=scene.staff, venue=scene.venue, title="楼道清洁（改）", starts_at=START,
                             ends_at=END, slots=10, proposal_id=case.id, now=BEFORE)
    assert activity.proposal_id == case.id
    assert _code(scene.activity, title="另一个活动", proposal_id=case.id) == "proposal_not_implementing"


def test_the_case_counts_the_confirmed_hours_of_its_activities(scene):
    case = scene.case()
    activity = scene.activity(proposal_id=case.id)
    other = scene.activity(start=START + timedelta(days=1), title="不相关")
    scene.attend(activity)
    services.confirm_record(services.record_of_checkin(services.roster(activity)[0]["checkin"]), staff=scene.staff, now=END)
    assert services.activities_for_case(case.id) == [(activity, 120)]
    assert other not in [a for a, _ in proposals.case_file(case).activities]


# ------------------------------------------------------------------ pages


@pytest.fixture
def linked(scene, client, clock):
    clock.set(BEFORE)
    scene.implementing = scene.case(title="修楼道灯")
    db.session.commit()
    login(client, scene.staff)
    return scene


def _form(scene, **values) -> dict:
    return {"title": "楼道清洁", "venue": scene.venue.id, "day": "2026-11-24", "start": "14:00", "end": "16:00",
            "slots": "10", "description": "", **values}


def test_the_activity_form_offers_the_cases_in_implementation(linked, client):
    page = text(client.get("/staff/volunteering/activities/new"))
    assert f"#{linked.implementing.id} 修楼道灯" in page and 'name="proposal"' in page
    response = client.post("/staff/volunteering/activities/new", data=_form(linked, proposal=linked.implementing.id))
    assert response.status_code == 302
    activity = services.activities_for_staff([linked.community.id])[0]
    assert activity.proposal_id == linked.implementing.id
    assert f"#{linked.implementing.id} 修楼道灯" in text(client.get(response.location))


def test_a_case_from_elsewhere_is_shown_beside_the_field(linked, client):
    accepted = linked.case(title="只是受理", implementing=False)
    db.session.commit()
    response = client.post("/staff/volunteering/activities/new", data=_form(linked, proposal=accepted.id, title="义诊"))
    page = text(response)
    assert response.status_code == 422 and 'value="义诊"' in page
    assert re.search(r'id="proposal-error">[^<]*办理中', page)
    assert services.activities_for_staff([linked.community.id]) == []


def test_editing_keeps_a_link_to_a_case_that_moved_on(linked, client):
    activity = linked.activity(proposal_id=linked.implementing.id)
    proposals.mark_done(linked.implementing, staff=linked.other_staff, now=BEFORE)
    db.session.commit()
    page = text(client.get(f"/staff/volunteering/activities/{activity.id}/edit"))
    assert f'<option selected value="{linked.implementing.id}">' in page
    response = client.post(f"/staff/volunteering/activities/{activity.id}/edit",
                           data=_form(linked, proposal=linked.implementing.id, title="楼道清洁（二）"))
    assert response.status_code == 302
    db.session.refresh(activity)
    assert (activity.title, activity.proposal_id) == ("楼道清洁（二）", linked.implementing.id)


def test_the_case_page_and_file_list_the_activity_with_its_hours(linked, client):
    activity = linked.activity(proposal_id=linked.implementing.id, title="换灯志愿服务")
    linked.attend(activity)
    services.confirm_record(services.roster(activity)[0]["record"], staff=linked.staff, now=END)
    db.session.commit()
    client.post("/logout")  # the case page and the file are public
    for url in (f"/proposals/{linked.implementing.id}", f"/proposals/{linked.implementing.id}/file"):
        page = text(client.get(url))
        listed = re.search(r'data-testid="case-activities">(.*?)</ul>', page).group(1)
        assert "换灯志愿服务" in listed and "2026-11-24 14:00–16:00" in listed and "已确认 2.0 小时" in listed, url


def test_junk_in_the_case_field_is_an_error_beside_it(linked, client):
    for junk in ("abc", "99999999999", "-1", "٣"):
        response = client.post("/staff/volunteering/activities/new", data=_form(linked, proposal=junk, title="义诊"))
        assert response.status_code == 422 and 'id="proposal-error"' in text(response), junk
    assert services.activities_for_staff([linked.community.id]) == []
