"""A resident redeems on one phone, staff approve and hand over on another: the whole two-phase redemption."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.bank import services as bank
from points.bank.models import Redemption, RedemptionState
from points.db import db
from points.ledger import services as ledger
from points.units.models import Level
from points.units.services import create_unit

from .conftest import assert_no_sideways_scroll, decode_qr

pytestmark = pytest.mark.browser


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (230, 190, 90)).save(out, "JPEG")
    return out.getvalue()


def log_in(page, url, phone):
    page.goto(url + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill("hongye2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)  # residents land on the wallet, staff on their desk


def test_request_approve_show_pickup_qr_and_hand_over(live_app, live_server, phone, tmp_path):
    live_app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    with live_app.app_context():
        street = create_unit("宏业村街道", Level.STREET, parent=create_unit("蚌山区", Level.DISTRICT))
        community = create_unit("第一社区", Level.COMMUNITY, parent=street)
        home = create_unit("1号楼", Level.BUILDING, parent=create_unit("红叶小区", Level.COMPOUND, parent=community))
        staff = accounts.register_resident(name="社工小李", phone="13800000001", password="hongye2026", unit=home,
                                           confirmed_by=SYSTEM)
        accounts.grant_role(staff, Role.STAFF, community, admin=SYSTEM)
        resident = accounts.register_resident(name="王芳", phone="13900000001", password="hongye2026", unit=home,
                                           confirmed_by=SYSTEM)
        ledger.award_manually(resident, 30, staff=SYSTEM, reason="楼道清扫志愿服务", key="seed")  # staff approves: four eyes
        partner = bank.create_partner(community, staff=staff, name="红叶超市", kind="merchant")
        reward = bank.create_reward(
            community, bank.RewardDetails(name="鸡蛋一盒", price=12, partner_id=partner.id, description="土鸡蛋10枚"),
            staff=staff, photo=photo(), first_donation=3,
        )
        reward_id, staff_id = reward.id, staff.id

    # The resident browses the bank on her phone and asks for the eggs.
    mine = phone()
    log_in(mine, live_server.url, "13900000001")
    mine.get_by_role("link", name="公益银行").click()
    expect(mine.get_by_test_id("balance")).to_have_text("30")
    row = mine.get_by_test_id(f"reward-{reward_id}")
    expect(row).to_contain_text("剩 3 件")
    expect(row).to_contain_text("可以兑换")
    assert_no_sideways_scroll(mine)
    row.get_by_role("link").click()
    picture = mine.locator("img.photo")
    expect(picture).to_have_js_property("complete", True)  # read the image only once it has loaded
    assert picture.evaluate("img => img.naturalWidth") > 0
    mine.get_by_role("button", name="用 12 积分兑换").click()
    expect(mine.locator(".flash")).to_contain_text("已提交申请，已为您预留 12 积分")
    expect(mine.get_by_test_id("state")).to_have_text("待审核")
    assert_no_sideways_scroll(mine)

    # A staff member approves it from the queue on another phone.
    desk = phone()
    log_in(desk, live_server.url, "13800000001")
    desk.goto(live_server.url + "/bank/staff")
    card = desk.locator("[data-testid^=request-]")
    for text in ("王芳", "鸡蛋一盒", "余额 18 · 已预留 12"):
        expect(card).to_contain_text(text)
    assert_no_sideways_scroll(desk)
    card.get_by_role("button", name="通过", exact=True).click()
    expect(desk.locator(".flash")).to_contain_text("已通过")

    # The resident shows the pickup QR; the desk reads it from a screenshot and types what it decoded.
    mine.reload()
    expect(mine.get_by_test_id("state")).to_have_text("待领取")
    qr = mine.locator(".qr-box svg")
    qr.scroll_into_view_if_needed()
    codes = decode_qr(qr.screenshot())
    assert len(codes) == 1 and re.fullmatch(r"POINTS:R:[0-9A-Z]{6}", codes[0])
    assert mine.get_by_test_id("pickup-code").inner_text().replace(" ", "") == codes[0].removeprefix("POINTS:R:")
    assert_no_sideways_scroll(mine)

    desk.get_by_role("link", name="交付").first.click()
    desk.get_by_label("取货码或居民码").fill(codes[0])
    desk.get_by_role("button", name="确认").click()
    # The scan only opens the confirmation: who, what, from which request.
    expect(desk.get_by_role("heading", level=1)).to_have_text("交付 鸡蛋一盒？")
    expect(desk.locator(".confirm")).to_contain_text("王芳")
    assert_no_sideways_scroll(desk)
    desk.get_by_test_id("confirm-handover").click()
    result = desk.get_by_test_id("handover-result")
    expect(result).to_contain_text("已交付：鸡蛋一盒 给 王芳")
    assert_no_sideways_scroll(desk)
    desk.goto(live_server.url + "/bank/staff/rewards")
    expect(desk.get_by_test_id(f"stock-{reward_id}")).to_have_text("可兑 2 · 已预留 0")

    # Both screens agree with the books.
    mine.reload()
    expect(mine.get_by_test_id("state")).to_have_text("已领取")
    mine.goto(live_server.url + "/bank/")
    expect(mine.get_by_test_id("balance")).to_have_text("18")
    expect(mine.get_by_test_id(f"reward-{reward_id}")).to_contain_text("剩 2 件")
    with live_app.app_context():
        redemption = db.session.query(Redemption).one()
        assert redemption.status == RedemptionState.FULFILLED and redemption.closed_by_id == staff_id
        assert ledger.balance_of(redemption.resident) == 18
