"""The proposal pages: who sees what, kept input and field errors, photos refused by content, size, junk."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from points.db import db
from points.proposals import services
from points.proposals.models import Notification, Proposal
from points.proposals.models import ProposalState as S

from ..conftest import csrf_token  # noqa: F401 - CSRF is off in these tests; test_security covers it
from ..helpers import login
from .conftest import NOW

BUDGET = 50 * 1024


def jpeg(color=(200, 40, 40), size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def page(app, scene, client, clock, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    clock.set(NOW)
    return client


def suggest(client, **data):
    form = {"token": "tok-1", "title": "楼道灯坏了", "description": "三楼", "category": "", "unit": "", **data}
    return client.post("/proposals/new", data=form, content_type="multipart/form-data")


def test_a_resident_suggests_with_a_photo_and_sees_it_in_my_suggestions(scene, page):
    login(page, scene.proposer)
    form = page.get("/proposals/new")
    assert form.status_code == 200 and len(form.data) < BUDGET
    unit = re.search(r'name="unit" type="radio" value="(\d+)"', form.text).group(1)
    response = suggest(page, unit=unit, photos=[(io.BytesIO(jpeg()), "x.txt")])
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert len(proposal.photo_tokens) == 1
    thumb = page.get(f"/proposals/{proposal.id}/photos/{proposal.photo_tokens[0]}-thumb.jpg")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    thumb.close()  # files are streamed: close them, or the file handle leaks
    mine = page.get("/proposals/mine")
    assert "楼道灯坏了" in mine.text and len(mine.data) < BUDGET


def test_a_bad_suggestion_keeps_the_input_and_shows_the_error_beside_the_field(scene, page):
    login(page, scene.proposer)
    response = suggest(page, title="", description="保留我写的字")
    assert response.status_code == 400 and "保留我写的字" in response.text
    assert 'class="error"' in response.text


def test_photos_are_refused_by_content_not_name(scene, page):
    login(page, scene.proposer)
    response = suggest(page, photos=[(io.BytesIO(b"GIF89a not really"), "photo.jpg")])
    assert response.status_code == 400 and "photos-error" in response.text
    assert db.session.scalar(select(Proposal)) is None


@pytest.mark.parametrize("url", ["/proposals/board?page=abc&community=x&state=zzz", "/proposals/99999999999",
                                 "/proposals/board?page=99999999999", "/proposals/1/photos/..-thumb.jpg"])
def test_junk_never_crashes(scene, page, url):
    assert page.get(url).status_code < 500


def test_the_board_is_public_and_never_shows_phones_or_anonymous_names(scene, page):
    proposal, _ = scene.walk(S.PUBLICISED, scene.submit(is_anonymous=True, title="匿名的议题"))
    hidden = scene.submit(title="还没审的建议")
    board = page.get(f"/proposals/board?community={scene.community.id}")
    assert board.status_code == 200 and "匿名的议题" in board.text and "还没审的建议" not in board.text
    for url in (f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/file", f"/proposals/{proposal.id}/notice"):
        text = page.get(url).text
        assert scene.proposer.name not in text and scene.proposer.phone not in text, url
    notice = page.get(f"/proposals/{proposal.id}/notice")
    assert "<svg" in notice.text and len(notice.data) < BUDGET
    assert page.get(f"/proposals/{hidden.id}").status_code == 302  # to the login page


def test_board_filters_and_pages(scene, page):
    for i in range(21):
        scene.walk(S.ACCEPTED, scene.submit(title=f"议题{i}"))
    first = page.get("/proposals/board?state=accepted")
    assert first.text.count('class="what"') == 20 and "page=2" in first.text
    assert page.get("/proposals/board?state=accepted&page=2").text.count('class="what"') == 1
    assert page.get("/proposals/board?state=archived").text.count('class="what"') == 0


def test_a_case_not_yet_screened_is_seen_by_its_proposer_and_screeners_only(scene, page):
    proposal = scene.submit()
    assert login(page, scene.neighbours[0]).get(f"/proposals/{proposal.id}").status_code == 404
    assert login(page, scene.other_staff).get(f"/proposals/{proposal.id}").status_code == 404
    assert login(page, scene.proposer).get(f"/proposals/{proposal.id}").status_code == 200
    assert login(page, scene.council).get(f"/proposals/{proposal.id}").status_code == 200


def test_staff_screen_from_the_queue_with_overdue_marked(scene, page, clock):
    proposal = scene.submit()
    clock.set(proposal.screening_due_at)
    login(page, scene.staff)
    queue = page.get("/proposals/staff")
    assert "楼道灯坏了" in queue.text and "badge-bad" in queue.text
    assert page.get(f"/proposals/staff/{proposal.id}").status_code == 200
    assert page.post(f"/proposals/staff/{proposal.id}/accept", data={}).status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == S.ACCEPTED


def test_council_screen_but_other_staff_do_not_see_the_case(scene, page):
    proposal = scene.submit()
    assert login(page, scene.other_staff).post(f"/proposals/staff/{proposal.id}/accept").status_code == 404
    assert login(page, scene.neighbours[0]).post(f"/proposals/staff/{proposal.id}/accept").status_code == 403
    assert login(page, scene.council).post(f"/proposals/staff/{proposal.id}/reject", data={"reason": "私事"}).status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == S.REJECTED


def test_a_resident_of_the_unit_rates_and_the_proposer_confirms(scene, page):
    proposal, at = scene.walk(S.DONE)
    login(page, scene.neighbours[0])
    case = page.get(f"/proposals/{proposal.id}")
    assert 'data-testid="rate"' in case.text
    assert page.post(f"/proposals/{proposal.id}/rate", data={"stars": "5"}).status_code == 302
    assert 'data-testid="rate"' not in page.get(f"/proposals/{proposal.id}").text
    login(page, scene.elsewhere)
    assert 'data-testid="rate"' not in page.get(f"/proposals/{proposal.id}").text
    login(page, scene.proposer)
    assert page.post(f"/proposals/{proposal.id}/confirm", data={}).status_code == 302
    db.session.refresh(proposal)
    assert proposal.status == S.CONFIRMED


def test_the_inbox_lists_and_opens_messages_and_the_wallet_counts_them(scene, page):
    proposal = scene.submit()
    services.accept_proposal(proposal, actor=scene.staff, now=NOW)
    login(page, scene.proposer)
    wallet = page.get("/wallet")
    assert re.search(r'data-testid="inbox-panel">[^<]*<strong>1\D', wallet.text), wallet.text
    inbox = page.get("/proposals/inbox")
    assert inbox.status_code == 200 and len(inbox.data) < BUDGET
    assert 'data-testid="unread">1<' in inbox.text  # the navigation's badge, counted once with the page
    note = db.session.scalar(select(Notification))
    opened = page.post(f"/proposals/inbox/{note.id}")
    assert opened.status_code == 302 and opened.location.endswith(f"/proposals/{proposal.id}")
    assert "<strong>" not in page.get("/wallet").text.split('data-testid="inbox-panel"')[1].split("</p>")[0]
    assert 'data-testid="unread"' not in page.get("/proposals/inbox").text
    login(page, scene.neighbours[0])
    assert page.post(f"/proposals/inbox/{note.id}").status_code == 404


def test_staff_settings_edit_the_periods_and_lists(scene, page):
    login(page, scene.staff)
    form = page.get("/proposals/staff/settings")
    assert form.status_code == 200
    response = page.post("/proposals/staff/settings", data={
        "screening_days": "3", "objection_days": "7", "rating_days": "10", "threshold_percent": "60",
        "categories": "环境\n停车", "negative_items": "私事"})
    assert response.status_code == 302
    assert services.settings_for(scene.community.id).threshold_percent == 60
    bad = page.post("/proposals/staff/settings", data={"screening_days": "x", "categories": "a", "negative_items": "b"})
    assert bad.status_code == 400


def test_staff_enter_a_suggestion_for_a_resident(scene, page):
    login(page, scene.staff)
    assert page.get("/proposals/staff/new").status_code == 200
    response = page.post("/proposals/staff/new", data={"token": "s1", "member_code": scene.proposer.member_code,
                                                       "title": "代录的建议", "category": ""})
    assert response.status_code == 302
    proposal = db.session.scalar(select(Proposal))
    assert proposal.proposer_id == scene.proposer.id and proposal.entered_by_id == scene.staff.id


ROLES = ("anonymous", "unit_resident", "elsewhere", "council", "staff", "other_staff")
LOGIN, OK = "login", "ok"


def _outcome(response) -> str:
    if response.status_code in (301, 302, 303) and response.location.split("?")[0].endswith("/login"):
        return LOGIN
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code < 500
    return OK


@pytest.mark.parametrize("stage, method, path, expected", [
    # not yet screened: the proposer and the screeners only
    (S.SUBMITTED, "GET", "/proposals/{id}", (LOGIN, "404", "404", OK, OK, "404")),
    (S.SUBMITTED, "GET", "/proposals/{id}/file", (LOGIN, "404", "404", OK, OK, "404")),
    (S.SUBMITTED, "GET", "/proposals/staff/{id}", (LOGIN, "403", "403", "403", OK, "404")),
    (S.SUBMITTED, "POST", "/proposals/staff/{id}/reject", (LOGIN, "403", "403", OK, OK, "404")),
    # done: public to all; acting on it is for the community's people; rating for the affected unit (by the service)
    (S.DONE, "GET", "/proposals/{id}", (OK, OK, OK, OK, OK, OK)),
    (S.DONE, "POST", "/proposals/{id}/rate", (LOGIN, OK, OK, OK, OK, "404")),
    (S.DONE, "POST", "/proposals/{id}/follow", (LOGIN, OK, OK, OK, OK, "404")),
    (S.DONE, "POST", "/proposals/staff/{id}/done", (LOGIN, "403", "403", "403", OK, "404")),
])
def test_who_gets_what_on_a_case(scene, page, stage, method, path, expected):
    proposal, _ = scene.walk(stage)
    people = dict(unit_resident=scene.neighbours[0], elsewhere=scene.elsewhere, council=scene.council,
                  staff=scene.staff, other_staff=scene.other_staff)
    got = []
    for role in ROLES:
        page.post("/logout")
        if role != "anonymous":
            login(page, people[role])
        got.append(_outcome(page.open(path.format(id=proposal.id), method=method)))
    assert tuple(got) == expected


def test_the_decision_form_names_each_vote_with_its_count_in_full_width_brackets(scene, page):
    from points.checkin import services as checkin

    proposal, at = scene.walk(S.DELIBERATING)
    [meeting] = services.meetings_of(proposal)
    checkin.record_show_of_hands(meeting, staff=scene.staff, question="是否更换灯具", yes=8, no=2, abstain=1,
                                 now=meeting.starts_at + timedelta(minutes=30))
    html = login(page, scene.staff).get(f"/proposals/staff/{proposal.id}").get_data(as_text=True)
    assert "是否更换灯具（8/2/1）" in html and "是否更换灯具 (" not in html
