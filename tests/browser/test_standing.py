"""At 360×740: the wallet shows level, progress and badges; the honour roll and the public books fit the phone;
the dashboard fits a phone and a 1280 px desktop."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM
from points.checkin.earning import MEETING_ATTENDED
from points.ledger import services as ledger
from points.proposals import services as proposals
from points.standing.boards import set_public_choice

from ..factories import PASSWORD, Factory
from .conftest import assert_no_sideways_scroll

pytestmark = pytest.mark.browser


def _log_in(page, url, phone):
    page.goto(url + "/login")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_level_badges_honour_roll_books_and_dashboard_on_a_phone(live_app, live_server, phone, browser):
    with live_app.app_context():
        make = Factory()
        community = make.community("红叶社区")
        resident = make.resident(community, name="王小明", phone="13811110001")
        staff = make.staff(community, name="李社工")
        accounts.grant_role(staff, Role.ADMIN, community, admin=SYSTEM)
        for n in range(5):
            ledger.award(resident, MEETING_ATTENDED, key=f"m{n}", cause=("test", n))
        neighbour = make.resident(community, name="欧阳娜娜")
        ledger.award_manually(neighbour, 80, staff=SYSTEM, reason="补录", key="n1")  # above the four-eyes threshold
        set_public_choice(neighbour, show_name=True, hidden=False)
        ledger.publish_heads()
        proposals.ensure_lists(community.id)
        category = proposals.categories_of(community.id)[3]  # the longest name: 公益事业与便民服务
        proposals.submit_proposal(resident, title="楼道灯不亮", description="", category_id=category.id,
                                  unit_id=community.id, is_anonymous=False, token="browser-1")
        community_id, staff_phone = community.id, staff.phone

    page = phone()
    _log_in(page, live_server.url, "13811110001")
    page.wait_for_url("**/wallet")
    expect(page.get_by_test_id("level")).to_contain_text("热心邻里")
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_test_id("badges")).to_contain_text("参会5次")
    assert_no_sideways_scroll(page)

    page.goto(f"{live_server.url}/honour/{community_id}")
    expect(page.get_by_test_id("earners")).to_contain_text("欧阳娜娜")
    expect(page.get_by_test_id("earners")).to_contain_text("王**")
    assert_no_sideways_scroll(page)

    page.goto(f"{live_server.url}/books/{community_id}")
    expect(page.get_by_test_id("issued")).to_have_text("132")  # 5 × 10 + 80 + the suggestion's 2
    expect(page.get_by_test_id("heads")).to_be_visible()
    assert_no_sideways_scroll(page)

    page.get_by_role("button", name="退出").click()
    _log_in(page, live_server.url, staff_phone)
    page.wait_for_url("**/staff")  # staff land on their desk
    page.goto(f"{live_server.url}/staff/dashboard/{community_id}")
    expect(page.get_by_test_id(f"community-{community_id}")).to_be_visible()
    expect(page.get_by_test_id("suggestions_by_category")).to_contain_text("公益事业与便民服务")
    expect(page.get_by_test_id("figure-suggestions_made")).to_have_text("1")
    assert_no_sideways_scroll(page)
    page.goto(f"{live_server.url}/staff/indices/{community_id}")
    expect(page.get_by_test_id("compound-fortress")).to_contain_text("一号院")
    assert_no_sideways_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/staff/dashboard")
    expect(page.get_by_test_id(f"community-{community_id}")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
