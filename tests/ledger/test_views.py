"""The wallet and the staff pages, including who may see and do what."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from points.db import db
from points.ledger import services as ledger
from points.ledger.models import Transaction
from .actions import MEETING_ATTENDED, RATING, SUGGESTION


@pytest.fixture
def world(make):
    """Two communities, each with staff and a resident who has attended a meeting at 红叶亭话."""
    home, away = make.community("第一社区"), make.community("第二社区")
    w = {
        "staff": make.staff(home), "resident": make.resident(home, name="王芳"),
        "other_staff": make.staff(away), "outsider": make.resident(away, name="赵六"),
    }
    w["award"] = ledger.award(w["resident"], MEETING_ATTENDED, key="m1", cause=("test", 1), memo="红叶亭话").transaction
    db.session.commit()
    return w


def test_wallet_shows_balance_history_and_member_qr(client, auth, world):
    auth.login(world["resident"].phone)
    page = client.get("/wallet").get_data(as_text=True)
    assert re.search(r'data-testid="balance">10<', page)
    assert "参加议事会 红叶亭话" in page and "+10" in page
    assert "<svg" in page and world["resident"].member_code in page


def test_wallet_needs_login(client):
    response = client.get("/wallet")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_home_redirects_logged_in_residents_to_their_wallet(client, auth, world):
    auth.login(world["resident"].phone)
    assert client.get("/").headers["Location"].endswith("/wallet")


def test_member_card_page(client, auth, world):
    auth.login(world["resident"].phone)
    page = client.get("/wallet/card").get_data(as_text=True)
    assert world["resident"].member_code in page and "王芳" in page


def test_wallet_history_pages_back(client, auth, world):
    for i in range(25):
        ledger.award(world["resident"], RATING, key=f"r{i}", cause=("test", i), memo=f"议题{i}")
    db.session.commit()
    auth.login(world["resident"].phone)
    first = client.get("/wallet").get_data(as_text=True)
    assert "议题24" in first and "议题4<" not in first
    more = re.search(r'href="/wallet\?before=(\d+)"', first).group(1)
    second = client.get(f"/wallet?before={more}").get_data(as_text=True)
    assert "议题4" in second and "议题24" not in second


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/staff"),
        ("get", "/staff/residents/{resident}"),
        ("post", "/staff/residents/{resident}/award"),
        ("post", "/staff/transactions/{award}/reverse"),
        ("get", "/staff/residents/new"),
        ("get", "/staff/residents/{resident}/card"),
    ],
)
def test_staff_pages_refuse_residents(client, auth, world, method, path):
    auth.login(world["outsider"].phone)
    url = path.format(resident=world["resident"].id, award=world["award"].id)
    assert getattr(client, method)(url, data={"points": 5, "reason": "x"}).status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/staff/residents/{resident}"),
        ("post", "/staff/residents/{resident}/award"),
        ("post", "/staff/transactions/{award}/reverse"),
        ("get", "/staff/residents/{resident}/card"),
    ],
)
def test_staff_of_another_community_get_404(client, auth, world, method, path):
    auth.login(world["other_staff"].phone)
    url = path.format(resident=world["resident"].id, award=world["award"].id)
    assert getattr(client, method)(url, data={"points": 5, "reason": "越权", "token": "token-ttt-1"}).status_code == 404
    assert ledger.balance_of(world["resident"]) == 10


def test_staff_search_stays_inside_their_communities(client, auth, world):
    auth.login(world["other_staff"].phone)
    page = client.get("/staff?q=王芳").get_data(as_text=True)
    assert "没有找到。" in page and f'/staff/residents/{world["resident"].id}' not in page


def test_staff_search_by_name_and_phone_tail(client, auth, world):
    auth.login(world["staff"].phone)
    tail = world["resident"].phone[-4:]
    page = client.get(f"/staff?q=王 {tail}").get_data(as_text=True)
    assert f'/staff/residents/{world["resident"].id}' in page


def test_staff_award_by_hand_appears_in_history_with_who_and_why(client, auth, world):
    auth.login(world["staff"].phone)
    response = client.post(f'/staff/residents/{world["resident"].id}/award', data={"points": 5, "reason": "楼道清扫", "token": "token-abc-1"})
    assert response.status_code == 302
    page = client.get(f'/staff/residents/{world["resident"].id}').get_data(as_text=True)
    assert "已为 王芳 奖励 5 分。" in page
    assert "工作人员奖励" in page and "楼道清扫" in page and world["staff"].name in page
    assert ledger.balance_of(world["resident"]) == 15


def test_double_submitted_award_books_once(client, auth, world):
    auth.login(world["staff"].phone)
    for _ in range(2):
        client.post(f'/staff/residents/{world["resident"].id}/award', data={"points": 5, "reason": "楼道清扫", "token": "token-same-1"})
    assert ledger.balance_of(world["resident"]) == 15


def test_staff_award_without_reason_explains_and_keeps_points(client, auth, world):
    auth.login(world["staff"].phone)
    response = client.post(f'/staff/residents/{world["resident"].id}/award', data={"points": 7, "reason": "", "token": "token-ttt-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "请填写原因。" in page and 'value="7"' in page


def test_staff_cannot_award_themselves_through_the_page(client, auth, world):
    auth.login(world["staff"].phone)
    page = client.get(f'/staff/residents/{world["staff"].id}').get_data(as_text=True)
    assert "这是您本人的账户" in page
    response = client.post(f'/staff/residents/{world["staff"].id}/award', data={"points": 5, "reason": "自己", "token": "token-ttt-1"})
    assert response.status_code == 422 and "工作人员不能给自己奖励积分。" in response.get_data(as_text=True)
    assert ledger.balance_of(world["staff"]) == 0


def test_staff_reverse_an_award(client, auth, world):
    auth.login(world["staff"].phone)
    response = client.post(f'/staff/transactions/{world["award"].id}/reverse', data={"reason": "误签到"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已冲正此条记录。" in page and "冲正：参加议事会 红叶亭话" in page
    assert ledger.balance_of(world["resident"]) == 0
    again = client.post(f'/staff/transactions/{world["award"].id}/reverse', data={"reason": "再来"}, follow_redirects=True)
    assert ledger.balance_of(world["resident"]) == 0 and "此条记录已冲正过。" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Transaction.id)).where(Transaction.kind == "reversal")) == 1


def test_staff_register_a_resident_without_a_phone(client, auth, world, make):
    auth.login(world["staff"].phone)
    building = make.building(world["resident"].community)
    response = client.post("/staff/residents/new", data={"name": "张大爷", "phone": "", "unit": building.id})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "张大爷" in page and "打印积分卡" in page


def test_staff_cannot_register_into_another_community(client, auth, world, make):
    auth.login(world["staff"].phone)
    away_building = make.building(world["outsider"].community)
    response = client.post("/staff/residents/new", data={"name": "越权", "unit": away_building.id})
    assert response.status_code == 422 and "您没有权限进行此操作。" in response.get_data(as_text=True)


def test_public_rules_page_lists_defaults(client, world):
    page = client.get(f'/rules/{world["resident"].community_id}').get_data(as_text=True)
    assert "参加议事协商会议" in page and "每天 3 次" in page


def test_admin_edits_a_rule_and_staff_cannot(client, auth, world, make):
    admin = make.admin()
    db.session.commit()
    community_id = world["resident"].community_id
    auth.login(world["staff"].phone)
    assert client.get(f"/admin/rules/{community_id}").status_code == 403  # their own community, without the role
    auth.logout()
    auth.login(admin.phone)
    bad = client.post(f"/admin/rules/{community_id}", data={"action": "test_rating", "test_rating-points": "-3"})
    assert bad.status_code == 422 and 'value="-3"' in bad.get_data(as_text=True)
    good = client.post(f"/admin/rules/{community_id}", data={"action": "test_rating", "test_rating-points": "3", "test_rating-daily_cap": "2"})
    assert good.status_code == 302
    assert "每天 2 次" in client.get(f"/rules/{community_id}").get_data(as_text=True)


def test_wallet_shows_awards_that_were_not_counted(client, auth, world):
    for i in range(4):
        ledger.award(world["resident"], SUGGESTION, key=f"s{i}", cause=("test", i), memo=f"建议{i}")
    db.session.commit()
    auth.login(world["resident"].phone)
    page = client.get("/wallet").get_data(as_text=True)
    assert "未计分" in page and "建议3" in page


def test_wallet_with_its_stylesheet_stays_under_50_kb(client, auth, world):
    for i in range(30):
        ledger.award(world["resident"], RATING, key=f"w{i}", cause=("test", i), memo="小区停车位改造议题")
    db.session.commit()
    auth.login(world["resident"].phone)
    page = client.get("/wallet").data
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', page)
    total = len(page)
    for asset in assets:
        response = client.get(asset.decode())
        total += len(response.data)
        response.close()
    assert assets and total < 50 * 1024, total


def test_rules_page_lists_exactly_the_declared_actions(client, world, app):
    from points.ledger.earning import declared

    page = client.get(f'/rules/{world["resident"].community_id}').get_data(as_text=True)
    with app.app_context():
        codes = [a.code for a in declared()]
    assert codes[0] == "meeting_attended" and {"test_suggestion", "test_accepted", "test_rating"} <= set(codes)
    assert page.count("<tr><td>") == len(codes)


def test_an_action_declared_twice_is_refused(app):
    from points.checkin.earning import MEETING_ATTENDED
    from points.domains import registry
    from points.ledger.earning import EarningAction

    registry(app).earning_action(MEETING_ATTENDED)  # the same declaration again is harmless
    with pytest.raises(ValueError):
        registry(app).earning_action(EarningAction("meeting_attended", 5, label="x", short_label="x"))
