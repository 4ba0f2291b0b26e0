"""The pages: status, redirect, message, and who may see what (staff of another community get 404)."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from points.checkin import codes, services
from points.checkin.models import Checkin, CheckinTicket, Meeting, SecurityMode, Venue
from points.db import db, utcnow
from points.ledger import services as ledger

from ..helpers import login
from .conftest import Scene


@pytest.fixture
def live(make) -> Scene:
    """A scene whose meeting is under way now (the pages use the real clock)."""
    scene = Scene(make)
    now = utcnow()
    scene.now_meeting = services.schedule_meeting(
        staff=scene.staff, venue=scene.venue, title="楼道照明改造", starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1), now=now - timedelta(days=1),
    )
    scene.outsider = make.staff(make.community("第二社区"), name="社工小周")
    db.session.commit()
    return scene


def text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))




def checkins() -> int:
    return db.session.scalar(select(func.count(Checkin.id)))


# ------------------------------------------------------------------ access


def staff_urls(scene) -> list[str]:
    m, v = scene.now_meeting.id, scene.venue.id
    return [
        f"/staff/meetings/{m}", f"/staff/meetings/{m}/edit", f"/staff/meetings/{m}/scan", f"/staff/meetings/{m}/search",
        f"/staff/meetings/{m}/attendance", f"/staff/meetings/{m}/attendance.csv", f"/staff/meetings/{m}/log",
        f"/staff/meetings/{m}/invitees", f"/staff/meetings/{m}/close", f"/staff/venues/{v}/edit", f"/staff/venues/{v}/poster",
    ]


def test_staff_pages_send_visitors_to_the_login(client, live):
    for url in staff_urls(live) + ["/staff/meetings", "/staff/venues"]:
        response = client.get(url)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"], url


def test_residents_may_not_open_staff_pages(client, live):
    login(client, live.resident)
    for url in staff_urls(live) + ["/staff/meetings", "/staff/venues", "/staff/api-tokens"]:
        assert client.get(url).status_code == 403, url


def test_staff_of_another_community_get_404(client, live):
    login(client, live.outsider)
    for url in staff_urls(live):
        assert client.get(url).status_code == 404, url
    m = live.now_meeting.id
    row = live.desk(live.now_meeting, resident=live.resident, at=utcnow()).checkin
    posts = [f"/staff/meetings/{m}/scan", f"/staff/meetings/{m}/search", f"/staff/meetings/{m}/cancel",
             f"/staff/meetings/{m}/votes", f"/staff/meetings/{m}/hands", f"/staff/checkins/{row.id}/undo"]
    for url in posts:
        assert client.post(url, data={"code": live.resident.member_code, "resident_id": live.resident.id, "reason": "x"}).status_code == 404, url
    assert "楼道照明改造" not in text(client.get("/staff/meetings"))


def test_other_communitys_residents_cannot_see_the_meeting(client, live, make):
    stranger = make.resident(make.community("第三社区"))
    login(client, stranger)
    assert client.get(f"/meetings/{live.now_meeting.id}").status_code == 404
    assert "楼道照明改造" not in text(client.get("/meetings"))


# ------------------------------------------------------------------ venues and meetings


def test_staff_add_a_venue_and_see_its_poster(client, live):
    login(client, live.staff)
    response = client.post("/staff/venues/new", data={"name": "湖景小区议事站", "brand": "湖景廊议", "kind": "station",
                                                      "unit": live.community.id, "location": "2号楼南侧长廊"})
    assert response.status_code == 302
    venue = db.session.scalar(select(Venue).where(Venue.brand == "湖景廊议"))
    page = text(client.get(f"/staff/venues/{venue.id}/poster"))
    assert "湖景廊议" in page and f"/v/{venue.poster_token}" in page and "<svg" in page
    with client.get("/static/css/app.css") as css:
        assert "@page" in css.get_data(as_text=True)  # the print stylesheet


def test_bad_venue_input_keeps_what_was_typed(client, live):
    login(client, live.staff)
    response = client.post("/staff/venues/new", data={"name": "第一社区议事厅", "brand": "新品牌", "kind": "hall", "unit": live.community.id})
    assert response.status_code == 422
    assert "本社区已有同名议事点" in text(response) and 'value="新品牌"' in text(response)


def test_staff_schedule_a_meeting_in_local_time(client, live):
    login(client, live.staff)
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    response = client.post("/staff/meetings/new", data={
        "title": "停车位划线", "venue": live.venue.id, "day": day, "start": "14:00", "end": "15:30",
        "opens_before": 30, "closes_after": 0, "security_mode": "rotating", "audience": "community", "agenda": "一、现状",
    })
    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting).where(Meeting.title == "停车位划线"))
    assert meeting.starts_at.hour == 6 and meeting.opens_at.minute == 30  # 14:00 in Shanghai is 06:00 UTC
    assert meeting.security_mode == "rotating"


def test_meeting_ending_before_it_starts_is_refused_beside_the_field(client, live):
    login(client, live.staff)
    day = (utcnow() + timedelta(days=3)).date().isoformat()
    response = client.post("/staff/meetings/new", data={
        "title": "停车位划线", "venue": live.venue.id, "day": day, "start": "14:00", "end": "13:00",
        "opens_before": 30, "closes_after": 0, "security_mode": "poster", "audience": "community",
    })
    assert response.status_code == 422
    assert "结束时间须晚于开始时间" in text(response) and 'value="停车位划线"' in text(response)


def test_an_empty_meeting_form_shows_every_error_at_once(client, live):
    login(client, live.staff)
    response = client.post("/staff/meetings/new", data={"venue": "0", "opens_before": "", "closes_after": ""})
    page = text(response)
    assert response.status_code == 422
    summary = page.split('class="flash flash-error error-summary"', 1)[1].split("</div>", 1)[0]
    for message in ("请输入议题", "请选择议事点。", "请输入日期", "请输入开始时间", "请输入结束时间"):
        assert message in summary, message
    assert 'href="#venue"' in summary and 'id="venue-error"' in page


def test_a_venue_of_another_community_is_refused_with_the_other_errors(client, live, make):
    other = services.create_venue(staff=live.outsider, unit=live.outsider.community, name="外社区议事厅",
                                  kind="hall")
    db.session.commit()
    login(client, live.staff)
    page = text(client.post("/staff/meetings/new", data={"venue": other.id, "title": ""}))
    assert "请选择议事点。" in page and "请输入议题" in page


def test_cancel_needs_a_reason(client, live):
    login(client, live.staff)
    assert client.post(f"/staff/meetings/{live.now_meeting.id}/cancel", data={"reason": ""}).status_code == 422
    assert client.post(f"/staff/meetings/{live.now_meeting.id}/cancel", data={"reason": "暴雨"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, live.now_meeting.id).status == "cancelled"


# ------------------------------------------------------------------ the resident's scan


def test_logged_in_resident_scanning_the_poster_is_checked_in(client, live):
    login(client, live.resident)
    response = client.get(f"/v/{live.venue.poster_token}")
    assert response.status_code == 302 and "/checkins/" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert "签到成功" in page and "积分 +10" in page and 'data-testid="balance">10<' in page
    again = text(client.get(client.get(f"/v/{live.venue.poster_token}").headers["Location"]))
    assert "已签到" in again and ledger.balance_of(live.resident) == 10


def test_logged_out_scan_is_carried_through_the_login(client, live):
    response = client.get(f"/v/{live.venue.poster_token}")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert re.match(r"/login\?next=(%2F|/)checkin(%2F|/)t(%2F|/)", login_url)
    assert "登录后即为您签到：红叶亭话「楼道照明改造」" in text(client.get(login_url))
    logged_in = client.post(login_url, data={"phone": live.resident.phone, "password": "password123"})
    ticket_url = logged_in.headers["Location"]
    assert ticket_url.startswith("/checkin/t/")
    result = client.get(ticket_url)
    assert "/checkins/" in result.headers["Location"] and "签到成功" in text(client.get(result.headers["Location"]))
    assert client.get(ticket_url).headers["Location"] == result.headers["Location"]  # a reload shows the same result
    assert checkins() == 1


def test_registration_honours_next_through_the_ticket(client, live):
    login_url = client.get(f"/v/{live.venue.poster_token}").headers["Location"]
    next_path = login_url.split("next=", 1)[1]
    register = client.get(f"/register?next={next_path}")
    assert register.status_code == 200
    building = live.make.building(live.community)
    response = client.post(f"/register?next={next_path}", data={"name": "新居民", "phone": "13700001111", "password": "hongye2026", "unit": building.id})
    assert response.status_code == 302 and response.headers["Location"].startswith("/checkin/t/")
    assert "签到成功" in text(client.get(client.get(response.headers["Location"]).headers["Location"]))


def test_a_ticket_works_only_in_the_browser_that_scanned(app, client, live):
    login_url = client.get(f"/v/{live.venue.poster_token}").headers["Location"]
    token = re.search(r"checkin(?:%2F|/)t(?:%2F|/)([^&]+)", login_url).group(1)
    other = app.test_client()
    login(other, live.resident)
    response = other.get(f"/checkin/t/{token}")
    assert response.status_code == 404 and "请在现场重新扫码" in text(response)
    assert checkins() == 0


def test_logged_out_scan_too_early_explains_without_a_login(client, live):
    later = utcnow() + timedelta(days=1)
    venue = services.create_venue(staff=live.staff, unit=live.community, name="湖景小区议事站", kind="station")
    services.schedule_meeting(staff=live.staff, venue=venue, title="停车位划线", starts_at=later, ends_at=later + timedelta(hours=1))
    response = client.get(f"/v/{venue.poster_token}")
    assert response.status_code == 200 and "没有议事会" in text(response) and "停车位划线" in text(response)
    assert db.session.scalar(select(func.count(CheckinTicket.id))) == 0


def test_kiosk_code_through_the_login(client, live):
    meeting = live.now_meeting
    meeting.security_mode = SecurityMode.ROTATING.value
    db.session.commit()
    assert "/login" not in client.get(f"/v/{live.venue.poster_token}").headers.get("Location", "")  # the poster is refused
    code = codes.kiosk_code(meeting.id, meeting.secret, codes.slot_at(utcnow()))
    login_url = client.get(f"/v/{live.venue.poster_token}?k={code}").headers["Location"]
    ticket_url = client.post(login_url, data={"phone": live.resident.phone, "password": "password123"}).headers["Location"]
    row_url = client.get(ticket_url).headers["Location"]
    assert "签到成功" in text(client.get(row_url))
    row = db.session.scalar(select(Checkin).where(Checkin.is_success))
    assert row.route == "kiosk" and row.scanned_at is not None


def test_unknown_venue_is_404(client, live):
    assert client.get("/v/not-a-real-token-123").status_code == 404


def test_result_pages_are_private(client, live, make):
    row = live.desk(live.now_meeting, resident=live.resident, at=utcnow()).checkin
    login(client, make.resident(live.community))
    assert client.get(f"/checkins/{row.id}").status_code == 404


# ------------------------------------------------------------------ the desk


def test_staff_scan_a_member_code(client, live):
    login(client, live.staff)
    response = client.post(f"/staff/meetings/{live.now_meeting.id}/scan", data={"code": live.resident.member_qr_payload})
    assert response.status_code == 302 and "last=" in response.headers["Location"]
    page = text(client.get(response.headers["Location"]))
    assert "王芳" in page and "签到成功" in page and 'data-result="ok"' in page
    again = text(client.get(client.post(f"/staff/meetings/{live.now_meeting.id}/scan", data={"code": live.resident.member_code}).headers["Location"]))
    assert "已签到" in again and 'data-result="already_checked_in"' in again


def test_staff_scan_of_an_unknown_code_is_red(client, live):
    login(client, live.staff)
    page = text(client.get(client.post(f"/staff/meetings/{live.now_meeting.id}/scan", data={"code": "XXXX2222"}).headers["Location"]))
    assert 'class="result bad"' in page and "没有找到这个居民码" in page


def test_staff_scan_without_a_code_says_so(client, live):
    login(client, live.staff)
    response = client.post(f"/staff/meetings/{live.now_meeting.id}/scan", data={"code": ""})
    assert response.status_code == 422 and "请扫描或输入居民码" in text(response)


def test_the_scanner_page_works_without_javascript(client, live):
    login(client, live.staff)
    page = text(client.get(f"/staff/meetings/{live.now_meeting.id}/scan"))
    assert 'name="code"' in page and "autofocus" in page and "js/scanner.js" in page


def test_staff_find_a_resident_by_name_and_phone_digits(client, live):
    login(client, live.staff)
    page = text(client.get(f"/staff/meetings/{live.now_meeting.id}/search?q=王芳 5678"))
    assert "王芳" in page and "*******5678" in page
    response = client.post(f"/staff/meetings/{live.now_meeting.id}/search?q=王芳", data={"resident_id": live.resident.id})
    assert response.status_code == 302
    assert "签到成功" in text(client.get(response.headers["Location"]))
    assert services.standing_checkin(live.now_meeting, live.resident).route == "search"


def test_staff_cannot_pick_a_resident_of_another_community(client, live, make):
    stranger = make.resident(make.community("第二社区"))
    login(client, live.staff)
    assert client.post(f"/staff/meetings/{live.now_meeting.id}/search", data={"resident_id": stranger.id}).status_code == 404
    assert checkins() == 0


def test_attendance_list_and_csv(client, live, make):
    tricky = make.resident(live.community, name="=HYPERLINK")
    live.desk(live.now_meeting, resident=live.resident, at=utcnow())
    live.desk(live.now_meeting, resident=tricky, at=utcnow())
    login(client, live.staff)
    assert "王芳" in text(client.get(f"/staff/meetings/{live.now_meeting.id}/attendance"))
    response = client.get(f"/staff/meetings/{live.now_meeting.id}/attendance.csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and body.startswith("\ufeff序号,姓名,楼栋")
    assert "王芳,一号院 1号楼" in body and "'=HYPERLINK" in body


def test_undo_from_the_attendance_list(client, live):
    row = live.desk(live.now_meeting, resident=live.resident, at=utcnow()).checkin
    login(client, live.staff)
    assert "请填写撤销签到的原因" in text(client.post(f"/staff/checkins/{row.id}/undo", data={"reason": ""}, follow_redirects=True))
    response = client.post(f"/staff/checkins/{row.id}/undo", data={"reason": "认错人了"}, follow_redirects=True)
    assert "已撤销王芳的签到，积分已冲正" in text(response)
    assert ledger.balance_of(live.resident) == 0


def test_closing_with_fewer_heads_flags_for_review(client, live):
    live.desk(live.now_meeting, resident=live.resident, at=utcnow())
    live.desk(live.now_meeting, resident=live.make.resident(live.community), at=utcnow())
    login(client, live.staff)
    page = text(client.post(f"/staff/meetings/{live.now_meeting.id}/close", data={"headcount": 1, "minutes": "议定"}, follow_redirects=True))
    assert "已标记为待核查" in page
    assert client.post(f"/staff/meetings/{live.now_meeting.id}/close", data={"headcount": ""}).status_code == 422


def test_residents_vote_on_their_phones(client, live, make):
    vote = services.open_vote(live.now_meeting, staff=live.staff, question="是否同意安装声控灯？")
    absent = make.resident(live.community)
    login(client, absent)
    page = text(client.post(f"/meetings/{live.now_meeting.id}/votes/{vote.id}", data={"choice": "yes"}, follow_redirects=True))
    assert "只有已签到的参会居民才能表决" in page
    client.post("/logout")
    live.scan(at=utcnow())
    login(client, live.resident)
    assert "赞成" in text(client.get(f"/meetings/{live.now_meeting.id}"))
    page = text(client.post(f"/meetings/{live.now_meeting.id}/votes/{vote.id}", data={"choice": "yes"}, follow_redirects=True))
    assert "您的投票已记录" in page and "您已投票：赞成" in page


def test_staff_record_a_show_of_hands(client, live):
    login(client, live.staff)
    response = client.post(f"/staff/meetings/{live.now_meeting.id}/hands", data={"question": "是否同意？", "yes": 5, "no": 1, "abstain": 0})
    assert response.status_code == 302
    assert "赞成 5 · 反对 1 · 弃权 0" in text(client.get(f"/staff/meetings/{live.now_meeting.id}"))


def test_resident_meetings_page_lists_upcoming_and_attended(client, live):
    live.scan(at=utcnow())
    login(client, live.resident)
    page = text(client.get("/meetings"))
    assert page.count("楼道照明改造") == 2 and "我参加过的议事会" in page


def test_wallet_history_names_the_meeting(client, live):
    live.scan(at=utcnow())
    login(client, live.resident)
    assert "红叶亭话 · 楼道照明改造" in text(client.get("/wallet"))


# ------------------------------------------------------------------ the kiosk


def test_kiosk_shows_a_code_that_checks_in(client, live):
    page = client.get(f"/kiosk/{live.now_meeting.kiosk_token}")
    assert page.status_code == 200 and "<svg" in text(page) and "红叶亭话" in text(page)
    state = client.get(f"/kiosk/{live.now_meeting.kiosk_token}/state").get_json()
    assert state["state"] == "open" and state["url"].endswith(codes.kiosk_code(live.now_meeting.id, live.now_meeting.secret, state["slot"]))
    assert 0 < state["next_in"] <= codes.SLOT_SECONDS and state["count"] == 0
    unchanged = client.get(f"/kiosk/{live.now_meeting.kiosk_token}/state?have={state['slot']}").get_json()
    assert "svg" not in unchanged or unchanged["slot"] != state["slot"]


def test_kiosk_before_the_window_shows_no_code(client, live):
    later = utcnow() + timedelta(days=1)
    meeting = services.schedule_meeting(staff=live.staff, venue=live.venue, title="明天", starts_at=later, ends_at=later + timedelta(hours=1))
    state = client.get(f"/kiosk/{meeting.kiosk_token}/state").get_json()
    assert state["state"] == "before" and "svg" not in state and "开始签到" in state["note"]


def test_kiosk_address_is_a_secret(client, live):
    assert client.get("/kiosk/guessing-is-useless").status_code == 404


# ------------------------------------------------------------------ tokens


def test_api_token_is_shown_once_and_can_be_revoked(client, live):
    login(client, live.staff)
    response = client.post("/staff/api-tokens", data={"name": "前台扫码枪"})
    token = re.search(r'data-testid="new-token">(pts_[^<]+)<', text(response)).group(1)
    assert response.status_code == 201 and token not in text(client.get("/staff/api-tokens"))
    listed = services.tokens_of(live.staff)[0]
    assert client.post(f"/staff/api-tokens/{listed.id}/revoke").status_code == 302
    assert services.resident_for_token(token) is None


def weight(client, url: str) -> int:
    """A page with its stylesheet and scripts, in bytes (§10: a resident page stays under 50 KB)."""
    page = client.get(url, follow_redirects=True).data
    total = len(page)
    for asset in re.findall(rb'(?:href|src)="(/static/[^"]+)"', page):
        with client.get(asset.decode()) as response:
            total += len(response.data)
    return total


def test_resident_pages_stay_under_50_kb(client, live):
    for _ in range(3):
        services.record_show_of_hands(live.now_meeting, staff=live.staff, question="是否同意更换为声控灯？" * 3, yes=9, no=1, abstain=0)
    login(client, live.resident)
    scan = client.get(f"/v/{live.venue.poster_token}").headers["Location"]
    for url in (scan, "/meetings", f"/meetings/{live.now_meeting.id}"):
        assert weight(client, url) < 50 * 1024, url
    client.post("/logout")
    assert weight(client, f"/kiosk/{live.now_meeting.kiosk_token}") < 50 * 1024


def test_check_in_views_never_touch_the_session():
    """Views load through services (house rule 4); the shared CSV helper lives in points/exports.py."""
    package = Path(__file__).resolve().parents[2] / "points" / "checkin"
    for source in [*package.joinpath("views").glob("*.py"), package / "api.py"]:
        text = source.read_text(encoding="utf-8")
        assert "db.session" not in text and "\nimport csv\n" not in text, source.name


def test_the_desk_scanning_another_communitys_member_code_shows_nothing_of_them(client, live, make):
    """Issue 14, finding 8."""
    stranger = make.resident(make.community("第三社区"), name="赵六")
    db.session.commit()
    login(client, live.staff)
    response = client.post(f"/staff/meetings/{live.now_meeting.id}/scan", data={"code": stranger.member_qr_payload})
    page = text(client.get(response.headers["Location"]))
    assert "不是本社区的居民" in page and "赵六" not in page and stranger.member_code not in page


def test_the_log_names_the_device_and_says_success_or_refusal_in_words(client, live):
    from .test_devices import WECHAT_ANDROID

    login(client, live.resident)
    client.get(f"/v/{live.venue.poster_token}", headers={"User-Agent": WECHAT_ANDROID})  # checked in
    client.get(f"/v/{live.venue.poster_token}", headers={"User-Agent": WECHAT_ANDROID})  # refused: already in
    login(client, live.staff)
    page = text(client.get(f"/staff/meetings/{live.now_meeting.id}/log"))
    assert page.count(">微信 · 安卓</div>") == 2  # the raw string only in the title, for whoever needs it
    assert page.count('data-status="ok">✓ 成功<') == 1
    assert page.count('data-status="refused">✕ 拒绝：') == 1
