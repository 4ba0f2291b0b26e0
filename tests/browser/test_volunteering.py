"""Volunteering on phones at 360×740: a volunteer signs up, checks in and out by scanning the venue's poster (the
check-in package's one machinery), staff confirm on a second phone, the volunteer's page shows hours, stars and
points, and the certificate's QR opens the public check."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from points import clock
from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import VenueKind
from points.db import db, utcnow
from points.units.models import Level
from points.units.services import create_unit
from points.volunteering import services

from .conftest import assert_no_sideways_scroll, decode_qr

pytestmark = pytest.mark.browser
PASSWORD = "hongye2026"
STAFF_PHONE, VOLUNTEER_PHONE = "13800000001", "13912345678"


@pytest.fixture
def moved_clock():
    at = utcnow().replace(second=0, microsecond=0)
    clock.set(at)
    yield at
    clock.set(None)


def set_scene(app, now) -> dict:
    with app.app_context():
        district = create_unit("蚌山区", Level.DISTRICT)
        street = create_unit("宏业村街道", Level.STREET, parent=district)
        community = create_unit("第一社区", Level.COMMUNITY, parent=street)
        building = create_unit("1号楼", Level.BUILDING, parent=create_unit("红叶小区", Level.COMPOUND, parent=community))
        staff = accounts.register_resident(name="社工小李", phone=STAFF_PHONE, password=PASSWORD, unit=building)
        accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
        volunteer = accounts.register_resident(name="王芳", phone=VOLUNTEER_PHONE, password=PASSWORD, unit=building, confirmed_by=SYSTEM)
        services.register_volunteer(volunteer, actor=volunteer, skills=["elderly"])
        venue = checkin.create_venue(staff=staff, unit=community, name="志愿服务站", kind=VenueKind.HALL)
        activity = services.create_activity(staff=staff, venue=venue, title="楼道清洁", starts_at=now + timedelta(hours=1),
                                            ends_at=now + timedelta(hours=3), slots=5, now=now - timedelta(days=1))
        db.session.commit()
        return {"venue": venue.id, "activity": activity.id, "start": activity.starts_at, "end": activity.ends_at}


def log_in(page, server, phone_number: str) -> None:
    page.goto(server.url + "/login")
    page.get_by_label("手机号").fill(phone_number)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: url.endswith(("/wallet", "/staff")))  # residents land on the wallet, staff at the desk


def test_a_volunteer_signs_up_scans_in_and_out_staff_confirm_and_the_certificate_checks(
        live_app, live_server, phone, moved_clock):
    ids = set_scene(live_app, moved_clock)

    volunteer = phone()
    log_in(volunteer, live_server, VOLUNTEER_PHONE)
    expect(volunteer.get_by_test_id("volunteer-panel")).to_contain_text("0.0 小时")
    volunteer.get_by_role("link", name="志愿服务", exact=True).first.click()
    volunteer.get_by_role("link", name="看看近期活动").click()
    volunteer.get_by_role("link", name="楼道清洁").click()
    expect(volunteer.get_by_test_id("places")).to_contain_text("已报 0 / 共 5")
    volunteer.get_by_role("link", name="报名", exact=True).click()
    volunteer.get_by_role("button", name="确定报名").click()  # the confirm step, without JavaScript
    expect(volunteer.locator(".flash-success")).to_contain_text("报名成功")
    expect(volunteer.get_by_test_id("places")).to_contain_text("已报 1 / 共 5")
    assert_no_sideways_scroll(volunteer)

    staff = phone()
    log_in(staff, live_server, STAFF_PHONE)
    staff.goto(f"{live_server.url}/staff/volunteering/activities/{ids['activity']}")
    staff.get_by_role("link", name="场所海报").click()
    expect(staff.get_by_test_id("poster-qr")).to_be_visible()
    decoded = decode_qr(staff.screenshot(full_page=True))
    assert len(decoded) == 1 and "/v/" in decoded[0]

    clock.set(ids["start"] - timedelta(minutes=5))  # arriving a little early
    volunteer.goto(decoded[0])
    volunteer.wait_for_url("**/checkins/*")
    expect(volunteer.get_by_test_id("checkin-result")).to_contain_text("签到成功")
    expect(volunteer.locator("main")).to_contain_text("楼道清洁")

    clock.set(ids["end"] - timedelta(minutes=2))
    volunteer.goto(decoded[0])
    volunteer.wait_for_url("**/checkins/*")
    expect(volunteer.get_by_test_id("checkin-result")).to_contain_text("签退成功")
    assert_no_sideways_scroll(volunteer)

    staff.goto(f"{live_server.url}/staff/volunteering/queue")
    queue = staff.get_by_test_id("queue")
    expect(queue).to_contain_text("王芳")
    assert_no_sideways_scroll(staff)
    queue.get_by_role("button", name="确认王芳的 1.97 小时").click()
    expect(staff.locator(".flash-success")).to_contain_text("王芳：已确认 1.97 小时，20 积分")
    expect(staff.get_by_test_id("queue")).to_contain_text("没有待确认的记录")

    volunteer.goto(live_server.url + "/volunteering")
    expect(volunteer.get_by_test_id("hours")).to_have_text("2.0")
    expect(volunteer.get_by_test_id("balance")).to_have_text("20")
    expect(volunteer.get_by_test_id("to-next")).to_contain_text("再确认 98.0 小时即可升至 1 星")
    expect(volunteer.locator("progress.star-progress")).to_have_attribute("value", "1")
    assert_no_sideways_scroll(volunteer)

    volunteer.get_by_role("button", name="开具志愿服务证明").click()
    volunteer.wait_for_url("**/volunteering/certificates/*")
    expect(volunteer.get_by_role("heading", name="志愿服务证明")).to_be_visible()
    expect(volunteer.get_by_test_id("certificate-hours")).to_have_text("2.0")
    assert_no_sideways_scroll(volunteer)
    certificate_codes = decode_qr(volunteer.screenshot(full_page=True))
    assert len(certificate_codes) == 1 and "/c/" in certificate_codes[0]

    stranger = phone()  # anyone shown the paper, not logged in
    stranger.goto(certificate_codes[0])
    expect(stranger.get_by_test_id("verified")).to_contain_text("本证明真实有效")
    expect(stranger.get_by_test_id("verified-hours")).to_have_text("2.0")
    expect(stranger.locator("main")).to_contain_text("王芳")


def test_the_kiosk_shows_a_rotating_code_a_volunteer_scans_it_and_staff_undo_the_check_in(
        live_app, live_server, phone, moved_clock):
    """The activity's kiosk screen (here a staff phone at 360×740) shows the rotating code; the volunteer's phone
    reads it from a screenshot and is checked in; staff then undo the check-in on the no-script confirm page."""
    ids = set_scene(live_app, moved_clock)
    with live_app.app_context():
        services.sign_up(services.get_activity(ids["activity"]), accounts.resident_by_phone(VOLUNTEER_PHONE),
                         now=moved_clock)
        db.session.commit()
    clock.set(ids["start"] - timedelta(minutes=10))  # check-in opens half an hour before the start

    kiosk = phone()
    log_in(kiosk, live_server, STAFF_PHONE)
    kiosk.goto(f"{live_server.url}/staff/volunteering/activities/{ids['activity']}")
    kiosk.get_by_test_id("kiosk-link").click()
    kiosk.wait_for_url("**/kiosk/*")
    expect(kiosk.locator(".kiosk-title")).to_have_text("楼道清洁")
    kiosk.locator("[data-kiosk-code] svg").wait_for()
    assert_no_sideways_scroll(kiosk)
    decoded = decode_qr(kiosk.screenshot())
    assert len(decoded) == 1 and "/v/" in decoded[0] and "?k=a" in decoded[0]  # an activity's code: "a<id>.<slot>.<mac>"

    volunteer = phone()
    log_in(volunteer, live_server, VOLUNTEER_PHONE)
    volunteer.goto(decoded[0])
    volunteer.wait_for_url("**/checkins/*")
    expect(volunteer.get_by_test_id("checkin-result")).to_contain_text("签到成功")
    expect(volunteer.locator("main")).to_contain_text("楼道清洁")
    assert_no_sideways_scroll(volunteer)
    expect(kiosk.get_by_test_id("kiosk-count")).to_have_text("1", timeout=15_000)  # the kiosk counts the arrival

    staff = phone()
    log_in(staff, live_server, STAFF_PHONE)
    staff.goto(f"{live_server.url}/staff/volunteering/activities/{ids['activity']}/roster")
    expect(staff.get_by_test_id("roster")).to_contain_text("王芳")
    staff.get_by_role("link", name="撤销签到").click()
    expect(staff.get_by_test_id("undo-checkin")).to_contain_text("王芳")
    assert_no_sideways_scroll(staff)
    staff.get_by_label("撤销原因").fill("扫码的是家属")
    staff.get_by_role("button", name="撤销这次签到").click()
    expect(staff.locator(".flash-success")).to_contain_text("已撤销王芳的签到")
    expect(staff.get_by_test_id("roster")).to_contain_text("签到已撤销")
    expect(staff.get_by_test_id("roster")).to_contain_text("扫码的是家属")
