"""The proposal workflow on phones at 360×740, from a suggestion with a photo to the archived case file: staff
accept and schedule, the resident checks in by the poster's QR and votes, the decision is published, the notice
period passes (the clock moves), the case is done, neighbours rate it, the proposer confirms, staff archive; the
board, the case file, the wallet and the inbox tell the story."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from points import clock as points_clock
from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin import services as checkin
from points.checkin.models import VenueKind
from points.db import db
from points.proposals.models import Proposal
from points.units.models import Level
from points.units.services import create_unit

from .conftest import assert_no_sideways_scroll, decode_qr

pytestmark = pytest.mark.browser
PASSWORD = "hongye2026"
STAFF_PHONE, RESIDENT_PHONE = "13800000001", "13912345678"
NEIGHBOURS = ("13912340001", "13912340002", "13912340003")
BUDGET = 50 * 1024


def set_scene(app) -> dict:
    with app.app_context():
        district = create_unit("蚌山区", Level.DISTRICT)
        community = create_unit("第一社区", Level.COMMUNITY, parent=create_unit("宏业村街道", Level.STREET, parent=district))
        building = create_unit("1号楼", Level.BUILDING, parent=create_unit("红叶小区", Level.COMPOUND, parent=community))
        staff = accounts.register_resident(name="社工小李", phone=STAFF_PHONE, password=PASSWORD, unit=building)
        accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
        accounts.register_resident(name="王芳", phone=RESIDENT_PHONE, password=PASSWORD, unit=building, confirmed_by=SYSTEM)
        for index, phone in enumerate(NEIGHBOURS):
            accounts.register_resident(name=f"邻居{index}", phone=phone, password=PASSWORD, unit=building, confirmed_by=SYSTEM)
        venue = checkin.create_venue(staff=staff, unit=community, name="第一社区议事厅", brand="观湖广场",
                                     kind=VenueKind.HALL)
        db.session.commit()
        return {"venue": venue.id}


def logged_in(phone, server, number: str):
    page = phone()
    page.goto(server.url + "/login")
    page.get_by_label("手机号").fill(number)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: url.endswith(("/wallet", "/staff")))  # residents land on the wallet, staff at the desk
    return page


def the_case(app) -> Proposal:
    with app.app_context():
        proposal = db.session.query(Proposal).one()
        db.session.expunge(proposal)
        return proposal


def test_a_suggestion_travels_to_the_archive_on_phones(live_app, live_server, phone, clock, tmp_path):
    ids = set_scene(live_app)
    url = live_server.url
    photo = tmp_path / "light.jpg"
    Image.new("RGB", (1600, 1200), (90, 90, 40)).save(photo, "JPEG")

    # 集: the resident suggests, with a photo, in one short form.
    resident = logged_in(phone, live_server, RESIDENT_PHONE)
    resident.get_by_role("link", name="建言", exact=True).click()
    resident.get_by_role("link", name="我要建言").first.click()
    assert_no_sideways_scroll(resident)
    resident.get_by_label("什么事？").fill("1号楼楼道灯坏了")
    resident.locator("input[name=photos]").set_input_files(str(photo))
    resident.get_by_role("button", name="提交").click()
    expect(resident.locator("main")).to_contain_text("谢谢！您的建议已提交。")
    expect(resident.locator(".photos img")).to_have_count(1)
    case_path = resident.url.removeprefix(url)

    # 定: staff accept it from the queue and schedule a meeting now.
    staff = logged_in(phone, live_server, STAFF_PHONE)
    staff.get_by_role("link", name="议题管理").click()
    staff.get_by_role("link", name="1号楼楼道灯坏了").click()
    staff.get_by_role("button", name="采纳为议题").click()
    expect(staff.locator("main")).to_contain_text("已采纳为议题。")
    start = points_clock.local() - timedelta(minutes=10)
    staff.get_by_label("开始时间").fill(start.strftime("%Y-%m-%dT%H:%M"))
    staff.get_by_role("button", name="安排会议").click()
    staff.wait_for_url("**/staff/meetings/*")
    meeting_id = staff.url.rstrip("/").split("/")[-1]
    staff.locator("summary").first.click()
    staff.get_by_label("表决事项").first.fill("是否更换为声控灯？")
    staff.get_by_role("button", name="开始表决").click()
    expect(staff.locator("main")).to_contain_text("是否更换为声控灯？")

    # 议: the resident checks in by the printed poster and votes.
    staff.goto(f"{url}/staff/venues/{ids['venue']}/poster")
    poster = decode_qr(staff.screenshot(full_page=True))
    assert len(poster) == 1
    resident.goto(poster[0])
    resident.wait_for_url("**/checkins/*")
    expect(resident.get_by_test_id("checkin-result")).to_contain_text("签到成功")
    resident.goto(f"{url}/meetings/{meeting_id}")
    resident.get_by_role("button", name="赞成").click()
    staff.goto(f"{url}/staff/meetings/{meeting_id}")
    staff.get_by_role("button", name="结束表决").click()

    # 决 · 公: the decision from the vote, published with a printable notice.
    staff.goto(f"{url}/proposals/staff/{case_path.split('/')[-1]}")
    staff.get_by_role("button", name="记录表决结果").click()
    expect(staff.get_by_test_id("decision")).to_contain_text("通过")
    staff.get_by_role("button", name="发布公示").click()
    staff.goto(f"{url}{case_path}/notice")
    assert any(code.endswith(case_path) for code in decode_qr(staff.screenshot(full_page=True)))

    # 办: the notice period passes, staff carry it out and mark it done.
    clock.set(the_case(live_app).objection_until + timedelta(minutes=1))
    staff.goto(f"{url}/proposals/staff/{case_path.split('/')[-1]}")
    staff.get_by_role("button", name="结束公示").click()
    staff.get_by_role("button", name="标记办结").click()
    expect(staff.locator("main")).to_contain_text("已办结，居民现在可以评价。")

    # 评: three neighbours rate it well; the proposer confirms (销号).
    for number in NEIGHBOURS:
        neighbour = logged_in(phone, live_server, number)
        neighbour.goto(url + case_path)
        neighbour.get_by_label("★★★★★", exact=True).check()
        neighbour.get_by_role("button", name="提交评价").click()
        expect(neighbour.locator("main")).to_contain_text("感谢您的评价。")
    resident.goto(url + case_path)
    resident.get_by_role("button", name="办好了，确认销号").click()
    expect(resident.locator("main")).to_contain_text("您已确认销号。")

    # 备: after the rating period staff archive it; the outcome award is paid.
    clock.set(the_case(live_app).rating_until + timedelta(minutes=1))
    staff.goto(f"{url}/proposals/staff/{case_path.split('/')[-1]}")
    staff.get_by_role("button", name="归档").click()
    expect(staff.locator("main")).to_contain_text("已归档。")

    # The public board and the case file tell the story to anyone, without names or phones.
    visitor = phone()
    visitor.goto(f"{url}/proposals/board")
    visitor.get_by_role("link", name="1号楼楼道灯坏了").click()
    visitor.get_by_role("link", name="一事一档").click()
    story = visitor.get_by_test_id("file")
    for words in ("待审核", "已立项为议题", "协商中", "已表决", "公示", "办理中", "已办结，评价中", "建言人已销号", "已归档",
                  "赞成 1，反对 0，弃权 0", "3 人评价，平均 5.0 分"):
        expect(story).to_contain_text(words)
    assert RESIDENT_PHONE not in visitor.content()
    assert len(visitor.content().encode()) < BUDGET
    assert_no_sideways_scroll(visitor)

    # The wallet shows each award (2 + 20 + 10 + 30); the inbox each notice.
    resident.goto(url + "/wallet")
    expect(resident.get_by_test_id("balance")).to_have_text("62")
    for label in ("提出建议", "建议被采纳", "议题办结，评价良好"):
        expect(resident.locator("main")).to_contain_text(label)
    resident.get_by_test_id("inbox-panel").click()
    inbox = resident.get_by_test_id("inbox")
    expect(inbox).to_contain_text("已被采纳为议题")
    expect(inbox).to_contain_text("的表决结果已公示")
    expect(inbox).to_contain_text("已办结，请评价并销号")
    assert_no_sideways_scroll(resident)
