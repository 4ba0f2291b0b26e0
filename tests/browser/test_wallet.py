"""A resident registers on a phone, lands on the wallet and shows a member QR a camera can read."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from points.accounts.models import Resident
from points.db import db
from points.units.models import Level
from points.units.services import create_unit

from .conftest import assert_no_sideways_scroll, decode_qr

pytestmark = pytest.mark.browser


def test_register_log_in_and_read_the_member_qr(live_app, live_server, phone):
    with live_app.app_context():
        district = create_unit("蚌山区", Level.DISTRICT)
        street = create_unit("宏业村街道", Level.STREET, parent=district)
        community = create_unit("第一社区", Level.COMMUNITY, parent=street)
        create_unit("1号楼", Level.BUILDING, parent=create_unit("红叶小区", Level.COMPOUND, parent=community))

    page = phone()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="注册").click()
    page.get_by_label("姓名").fill("王芳")
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_label("密码").fill("hongye2026")
    page.get_by_label("楼栋").select_option(label="红叶小区 1号楼")
    page.get_by_role("button", name="注册").click()

    page.wait_for_url("**/wallet")
    expect(page.get_by_test_id("balance")).to_have_text("0")
    assert_no_sideways_scroll(page)

    page.get_by_role("button", name="退出").click()
    page.get_by_role("link", name="登录").click()
    page.get_by_label("手机号").fill("13812345678")
    page.get_by_label("密码").fill("hongye2026")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/wallet")

    qr = page.locator(".qr-box svg")
    qr.scroll_into_view_if_needed()
    codes = decode_qr(qr.screenshot())
    with live_app.app_context():
        resident = db.session.query(Resident).filter_by(phone="13812345678").one()
        assert codes == [resident.member_qr_payload]
    assert page.get_by_test_id("member-code").inner_text() == resident.member_code
