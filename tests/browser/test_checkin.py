"""The scene the product is known for, in Chromium at 360×740: a resident scans the printed poster (or the
kiosk's rotating code), logs in, and is credited once; staff check residents in with the camera."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin import services
from points.checkin.models import SecurityMode, VenueKind
from points.db import db, utcnow
from points.units.models import Level
from points.units.services import create_unit

from .conftest import CHROMIUM, PHONE, assert_no_sideways_scroll, decode_qr

pytestmark = pytest.mark.browser
PASSWORD = "hongye2026"
STAFF_PHONE, RESIDENT_PHONE = "13800000001", "13912345678"


def set_scene(app, *, mode=SecurityMode.POSTER) -> dict:
    with app.app_context():
        district = create_unit("蚌山区", Level.DISTRICT)
        street = create_unit("宏业村街道", Level.STREET, parent=district)
        community = create_unit("第一社区", Level.COMMUNITY, parent=street)
        building = create_unit("1号楼", Level.BUILDING, parent=create_unit("红叶小区", Level.COMPOUND, parent=community))
        staff = accounts.register_resident(name="社工小李", phone=STAFF_PHONE, password=PASSWORD, unit=building,
                                           confirmed_by=SYSTEM)
        accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
        resident = accounts.register_resident(name="王芳", phone=RESIDENT_PHONE, password=PASSWORD, unit=building,
                                           confirmed_by=SYSTEM)
        venue = services.create_venue(staff=staff, unit=building.parent, name="红叶小区睦邻议事点", brand="红叶亭话",
                                      kind=VenueKind.CORNER, location="中心花园凉亭")
        now = utcnow()
        meeting = services.schedule_meeting(staff=staff, venue=venue, title="楼道照明改造", starts_at=now - timedelta(minutes=10),
                                            ends_at=now + timedelta(hours=1), security_mode=mode, now=now - timedelta(days=1))
        db.session.commit()
        return {"venue": venue.id, "meeting": meeting.id, "kiosk": meeting.kiosk_token, "member": resident.member_code}


def log_in(page, phone: str) -> None:
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def staff_phone(phone, server):
    page = phone()
    page.goto(server.url + "/login")
    log_in(page, STAFF_PHONE)
    page.wait_for_url("**/staff")  # staff land on their 工作台
    return page


def scan_as_logged_out_resident(phone, url: str):
    """The resident's phone opens what its camera read, logs in, and lands on the answer."""
    page = phone()
    page.goto(url)
    page.wait_for_url(lambda url: "/login?next=" in url)
    expect(page.locator("main")).to_contain_text("登录后即为您签到")
    assert_no_sideways_scroll(page)
    log_in(page, RESIDENT_PHONE)
    page.wait_for_url("**/checkins/*")
    return page


def test_scan_the_printed_poster_log_in_and_be_credited_once(live_app, live_server, phone):
    ids = set_scene(live_app)
    staff = staff_phone(phone, live_server)
    staff.goto(f"{live_server.url}/staff/venues/{ids['venue']}/poster")
    assert staff.get_by_role("heading", name="红叶亭话").is_visible()
    assert_no_sideways_scroll(staff)
    decoded = decode_qr(staff.screenshot(full_page=True))
    assert len(decoded) == 1 and "/v/" in decoded[0]

    resident = scan_as_logged_out_resident(phone, decoded[0])
    result = resident.get_by_test_id("checkin-result")
    expect(result).to_contain_text("签到成功")
    expect(result).to_contain_text("积分 +10")
    assert_no_sideways_scroll(resident)
    resident.get_by_role("link", name="查看我的积分和明细").click()
    resident.wait_for_url("**/wallet")
    expect(resident.get_by_test_id("balance")).to_have_text("10")
    expect(resident.locator("main")).to_contain_text("红叶亭话 · 楼道照明改造")

    resident.goto(decoded[0])  # scanning again
    resident.wait_for_url("**/checkins/*")
    expect(resident.get_by_test_id("checkin-result")).to_contain_text("已签到")
    resident.goto(live_server.url + "/wallet")
    expect(resident.get_by_test_id("balance")).to_have_text("10")


def test_scan_the_kiosks_rotating_code(live_app, live_server, phone, browser):
    ids = set_scene(live_app, mode=SecurityMode.ROTATING)
    tablet = browser.new_context(viewport={"width": 800, "height": 1280}, locale="zh-CN").new_page()
    try:
        tablet.goto(f"{live_server.url}/kiosk/{ids['kiosk']}")
        code = tablet.locator("[data-kiosk-code] svg")
        code.wait_for()
        decoded = decode_qr(tablet.screenshot())
        assert len(decoded) == 1 and "?k=" in decoded[0]

        staff = staff_phone(phone, live_server)  # the printed poster alone is not enough for this meeting
        staff.goto(f"{live_server.url}/staff/venues/{ids['venue']}/poster")
        poster_url = decode_qr(staff.screenshot(full_page=True))[0]
        refused = phone()
        refused.goto(poster_url)
        expect(refused.locator("main")).to_contain_text("动态签到码")

        resident = scan_as_logged_out_resident(phone, decoded[0])
        expect(resident.get_by_test_id("checkin-result")).to_contain_text("签到成功")
        # expect() rather than wait_for_function: the page's Content-Security-Policy forbids the eval the latter uses
        expect(tablet.locator("[data-kiosk-count]")).to_have_text("1", timeout=10_000)

        resident.goto(decoded[0])
        resident.wait_for_url("**/checkins/*")
        expect(resident.get_by_test_id("checkin-result")).to_contain_text("已签到")
        resident.goto(live_server.url + "/wallet")
        expect(resident.get_by_test_id("balance")).to_have_text("10")
    finally:
        tablet.context.close()


def test_staff_check_in_a_typed_card_code_without_javascript(live_app, live_server, browser):
    ids = set_scene(live_app)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login")
        log_in(page, STAFF_PHONE)
        page.goto(f"{live_server.url}/staff/meetings/{ids['meeting']}/scan")
        page.get_by_label("居民码").fill(ids["member"].lower())
        page.get_by_label("居民码").press("Enter")  # what a keyboard-wedge scanner does
        result = page.get_by_test_id("checkin-result")
        expect(result).to_contain_text("王芳")
        expect(result).to_contain_text("签到成功")
        assert_no_sideways_scroll(page)
    finally:
        context.close()


# ------------------------------------------------------------------ the camera


def write_y4m(path: Path, png: bytes, size: int = 480, frames: int = 4) -> None:
    """A still video of an image, in the format Chromium's fake camera plays."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    canvas = Image.new("RGB", (size, size), "white")
    image.thumbnail((size - 40, size - 40))
    canvas.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
    y, u, v = canvas.convert("YCbCr").split()
    half = (size // 2, size // 2)
    frame = y.tobytes() + u.resize(half).tobytes() + v.resize(half).tobytes()
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{size} H{size} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + frame)


@pytest.fixture
def camera(browser, tmp_path):
    """A second Chromium whose camera films whatever `camera.show(png)` was given before it started."""
    video = tmp_path / "camera.y4m"
    launched = []

    class Camera:
        def show(self, png: bytes):
            write_y4m(video, png)
            launched.append(browser.browser_type.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                      f"--use-file-for-fake-video-capture={video}"],
            ))
            return launched[-1]

    yield Camera()
    for other in launched:
        other.close()


def test_staff_scan_a_member_qr_with_the_camera(live_app, live_server, phone, camera):
    ids = set_scene(live_app)
    member = phone()
    member.goto(live_server.url + "/login")
    log_in(member, RESIDENT_PHONE)
    member.wait_for_url("**/wallet")
    card = member.locator(".qr-box svg")
    card.scroll_into_view_if_needed()
    browser = camera.show(card.screenshot())

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    context.grant_permissions(["camera"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server.url + "/login")
    log_in(page, STAFF_PHONE)
    page.wait_for_url("**/staff")  # staff land on their 工作台
    page.goto(f"{live_server.url}/staff/meetings/{ids['meeting']}/scan")
    page.get_by_role("button", name="用摄像头扫码").click()
    result = page.get_by_test_id("checkin-result")
    result.wait_for(timeout=15_000)
    expect(result).to_contain_text("王芳")
    expect(result).to_contain_text("签到成功")
    expect(page.get_by_test_id("count")).to_have_text("1")
    assert page.url.endswith("/scan")  # answered in place: the camera kept running
    context.close()
