"""The bank's pages as a browser without JavaScript uses them: status, redirect, message, access control."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select

from points import create_app
from points.bank import services
from points.bank.models import Partner, Redemption, RedemptionState, Reward
from points.db import db
from points.ledger import services as ledger

from ..conftest import _config, csrf_token
from ..factories import Factory
from .conftest import BankWorld, token
from ..helpers import login


@pytest.fixture
def bank_world(bank, app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    db.session.commit()
    return bank




def page(response) -> str:
    return response.get_data(as_text=True)


def jpeg(size=(800, 600), colour=(200, 60, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def requested(bank_world, resident=None, reward=None):
    redemption = bank_world.request(resident or bank_world.resident(), reward or bank_world.reward())
    db.session.commit()
    return redemption


def approved(bank_world, resident=None, reward=None):
    redemption = services.approve_redemption(requested(bank_world, resident, reward), staff=bank_world.staff)
    db.session.commit()
    return redemption


# ------------------------------------------------------------------ access


@pytest.mark.parametrize("path", ["/bank/", "/bank/mine", "/bank/staff", "/bank/staff/handover", "/bank/staff/rewards"])
def test_pages_need_a_login(client, bank_world, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/bank/staff", "/bank/staff/handover", "/bank/staff/rewards", "/bank/staff/partners",
                                  "/bank/staff/donations", "/bank/staff/settings", "/bank/staff/rewards/new"])
def test_staff_pages_are_for_staff(client, bank_world, path):
    login(client, bank_world.resident())
    assert client.get(path).status_code == 403


def test_another_communitys_reward_is_not_found(client, bank_world, make):
    other = BankWorld(make)
    reward = other.reward()
    db.session.commit()
    login(client, bank_world.resident())
    assert client.get(f"/bank/rewards/{reward.id}").status_code == 404
    assert client.post(f"/bank/rewards/{reward.id}/request", data={"token": "x"}).status_code == 404


def test_another_residents_redemption_is_not_found(client, bank_world):
    redemption = requested(bank_world)
    login(client, bank_world.resident())
    assert client.get(f"/bank/mine/{redemption.id}").status_code == 404
    assert client.post(f"/bank/mine/{redemption.id}/cancel").status_code == 404


@pytest.mark.parametrize("action", ["approve", "reject", "fulfil", "cancel"])
def test_staff_of_another_community_get_404(client, bank_world, make, action):
    other = BankWorld(make)
    redemption = approved(bank_world) if action in ("fulfil", "cancel") else requested(bank_world)
    login(client, other.staff)
    response = client.post(f"/bank/staff/redemptions/{redemption.id}/{action}", data={"reason": "x"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).state == redemption.state


def test_staff_of_another_community_cannot_open_its_rewards_partners_or_residents(client, bank_world, make):
    other = BankWorld(make)
    login(client, other.staff)
    reward = bank_world.reward()
    resident = bank_world.resident()
    db.session.commit()
    assert client.get(f"/bank/staff/rewards/{reward.id}").status_code == 404
    assert client.get(f"/bank/staff/partners/{bank_world.partner.id}").status_code == 404
    assert client.get(f"/bank/staff/residents/{resident.id}").status_code == 404
    assert client.get(f"/bank/staff/rewards?community={bank_world.community.id}").status_code == 404


# ------------------------------------------------------------------ residents


def test_catalogue_shows_price_stock_and_what_the_resident_can_do(client, bank_world):
    bank_world.reward(name="鸡蛋一盒", price=12, stock=4, limit_count=1, limit_period="month")
    bank_world.reward(name="食用油 5L", price=40, stock=2)
    bank_world.reward(name="理发一次", price=5, stock=0)
    resident = bank_world.resident(points=30)
    db.session.commit()
    html = page(login(client, resident).get("/bank/"))
    assert "公益银行" in html and 'data-testid="balance">30<' in html
    assert "鸡蛋一盒" in html and "剩 4 件" in html and "您本月还可兑 1 次" in html and "可以兑换" in html
    assert "积分不足" in html and "已兑完" in html
    assert "爱心捐赠榜" in html and bank_world.partner.name in html


def test_requesting_holds_points_and_shows_the_request(client, bank_world):
    reward, resident = bank_world.reward(price=12, stock=4), bank_world.resident(points=30)
    db.session.commit()
    login(client, resident)
    form = page(client.get(f"/bank/rewards/{reward.id}"))
    assert "用 12 积分兑换" in form
    the_token = re.search(r'name="token" type="hidden" value="([^"]+)"', form).group(1)
    response = client.post(f"/bank/rewards/{reward.id}/request", data={"token": the_token})
    assert response.status_code == 302
    html = page(client.get(response.headers["Location"]))
    assert "已提交申请，已为您预留 12 积分" in html and "待审核" in html
    # the same form sent again (double tap, back button) asks once
    client.post(f"/bank/rewards/{reward.id}/request", data={"token": the_token})
    assert ledger.balance_of(resident) == 18
    assert len(services.redemptions_of(resident)) == 1


def test_a_refused_request_explains_why(client, bank_world):
    reward, resident = bank_world.reward(price=40, stock=4), bank_world.resident(points=30)
    db.session.commit()
    login(client, resident)
    assert "还差 10 积分" in page(client.get(f"/bank/rewards/{reward.id}"))
    response = client.post(f"/bank/rewards/{reward.id}/request", data={"token": token()})
    assert response.status_code == 409
    assert "兑换需要 40 积分，您现有 30 积分。" in page(response)


def test_the_pickup_code_appears_once_approved(client, bank_world):
    resident = bank_world.resident()
    redemption = requested(bank_world, resident)
    login(client, resident)
    assert 'data-testid="pickup-code"' not in page(client.get(f"/bank/mine/{redemption.id}"))
    services.approve_redemption(redemption, staff=bank_world.staff)
    db.session.commit()
    html = page(client.get(f"/bank/mine/{redemption.id}"))
    assert "取货码" in html and redemption.pickup_code[:3] in html and "<svg" in html
    assert "可以领取了" in page(client.get("/bank/"))


def test_the_resident_cancels(client, bank_world):
    resident = bank_world.resident(points=30)
    redemption = requested(bank_world, resident, bank_world.reward(price=10))
    login(client, resident)
    assert f'href="/bank/mine/{redemption.id}/cancel"' in page(client.get(f"/bank/mine/{redemption.id}"))
    confirm = page(client.get(f"/bank/mine/{redemption.id}/cancel"))
    assert "10 积分将退回您的账户" in confirm and "确认取消" in confirm
    assert ledger.balance_of(resident) == 20  # asking is not cancelling
    response = client.post(f"/bank/mine/{redemption.id}/cancel")
    assert response.status_code == 302
    assert "已取消，10 积分已退回您的账户。" in page(client.get(response.headers["Location"]))
    assert ledger.balance_of(resident) == 30
    assert "已取消" in page(client.get("/bank/mine"))


# ------------------------------------------------------------------ staff: queue and hand-over


def test_the_queue_lists_requests_oldest_first_with_the_residents_balance(client, bank_world):
    first = requested(bank_world, bank_world.resident(points=50), bank_world.reward(name="鸡蛋一盒", price=12))
    second = requested(bank_world, bank_world.resident(points=20), bank_world.reward(name="洗衣液", price=15))
    html = page(login(client, bank_world.staff).get("/bank/staff"))
    assert html.index(f"request-{first.id}") < html.index(f"request-{second.id}")
    assert "余额 38 · 已预留 12 · 已领过 0 次" in html
    # the latest wallet lines at a glance: the hold, named after the reward
    assert re.search(r'class="what">[^<]*鸡蛋一盒 <span class="muted">[^<]*</span></span><span class="amount minus">-12<', html)


def test_approve_in_one_tap(client, bank_world):
    redemption = requested(bank_world)
    login(client, bank_world.staff)
    response = client.post(f"/bank/staff/redemptions/{redemption.id}/approve")
    assert response.status_code == 302 and response.headers["Location"].endswith("/bank/staff")
    assert "已通过" in page(client.get("/bank/staff"))
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == RedemptionState.APPROVED
    # a second tap says so instead of failing
    client.post(f"/bank/staff/redemptions/{redemption.id}/approve")
    assert "这笔兑换已经审核通过了。" in page(client.get("/bank/staff"))


def test_reject_needs_a_reason(client, bank_world):
    redemption = requested(bank_world)
    login(client, bank_world.staff)
    client.post(f"/bank/staff/redemptions/{redemption.id}/reject", data={"reason": ""})
    assert "请填写不通过的原因。" in page(client.get("/bank/staff"))
    client.post(f"/bank/staff/redemptions/{redemption.id}/reject", data={"reason": "本月已兑过同类物品"})
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == RedemptionState.REJECTED


def test_staff_see_their_own_request_but_cannot_decide_it(client, bank_world):
    ledger.award_manually(bank_world.staff, 50, staff=bank_world.other_staff, reason="测试", key="own")
    redemption = requested(bank_world, bank_world.staff)
    login(client, bank_world.staff)
    assert "这是您本人的申请" in page(client.get("/bank/staff"))
    client.post(f"/bank/staff/redemptions/{redemption.id}/approve")
    assert "本人的兑换申请须由其他工作人员办理。" in page(client.get("/bank/staff"))


def test_scanning_the_pickup_code_asks_to_confirm_then_says_what_was_handed_over(client, bank_world):
    resident = bank_world.resident(points=30)
    redemption = approved(bank_world, resident, bank_world.reward(name="鸡蛋一盒", price=12))
    login(client, bank_world.other_staff)
    response = client.post("/bank/staff/handover", data={"code": redemption.pickup_qr_payload})
    assert response.status_code == 302
    confirm = page(client.get(response.headers["Location"]))
    assert "交付 鸡蛋一盒？" in confirm and resident.name in confirm and redemption.pickup_code_display in confirm
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == RedemptionState.APPROVED  # a scan alone settles nothing
    done = client.post(f"/bank/staff/redemptions/{redemption.id}/fulfil")
    html = page(client.get(done.headers["Location"]))
    assert f"已交付：鸡蛋一盒 给 {resident.name}" in html and "积分已兑换" in html
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == RedemptionState.FULFILLED
    # scanning again shows the same result, not an error page
    again = client.post("/bank/staff/handover", data={"code": redemption.pickup_code.lower()})
    assert again.status_code == 302
    assert "已交付：鸡蛋一盒" in page(client.get(again.headers["Location"], follow_redirects=True))
    assert ledger.balance_of(resident) == 18
    # the resident's wallet says the hold became a redemption, and never 冻结
    login(client, resident)
    wallet = page(client.get("/wallet"))
    assert "已兑换 鸡蛋一盒" in wallet and "冻结" not in wallet


def test_the_waiting_list_links_to_the_confirmation_not_a_one_tap_settle(client, bank_world):
    redemption = approved(bank_world)
    login(client, bank_world.staff)
    html = page(client.get("/bank/staff/handover"))
    assert f'href="/bank/staff/redemptions/{redemption.id}/fulfil"' in html and "交付…" in html
    assert f'action="/bank/staff/redemptions/{redemption.id}/fulfil"' not in html


def test_staff_cancel_asks_for_the_reason_on_a_page_of_its_own(client, bank_world):
    redemption = approved(bank_world)
    login(client, bank_world.staff)
    assert "积分退回给" in page(client.get(f"/bank/staff/redemptions/{redemption.id}/cancel"))
    refused = client.post(f"/bank/staff/redemptions/{redemption.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422 and "error-summary" in page(refused)
    assert client.post(f"/bank/staff/redemptions/{redemption.id}/cancel", data={"reason": "不要了"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Redemption, redemption.id).status == RedemptionState.CANCELLED


@pytest.mark.parametrize("code", ["", "ZZZZZZ", "POINTS:R:ABCDEF"])
def test_an_unknown_pickup_code_is_explained_beside_the_scanner(client, bank_world, code):
    login(client, bank_world.staff)
    response = client.post("/bank/staff/handover", data={"code": code})
    assert response.status_code == 422
    assert 'class="result bad"' in page(response)


def test_a_pickup_code_from_another_community_is_not_found(client, bank_world, make):
    redemption = approved(bank_world)
    other = BankWorld(make)
    db.session.commit()
    login(client, other.staff)
    response = client.post("/bank/staff/handover", data={"code": redemption.pickup_code})
    assert response.status_code == 422 and "您所在社区没有这个取货码的兑换。" in page(response)


def test_a_code_not_yet_approved_cannot_be_handed_over(client, bank_world):
    redemption = requested(bank_world)
    login(client, bank_world.staff)
    response = client.post(f"/bank/staff/redemptions/{redemption.id}/fulfil")
    assert response.status_code == 409 and "这笔兑换还没有审核通过。" in page(response)


def test_scanning_a_member_card_lists_that_residents_pickups(client, bank_world):
    resident = bank_world.resident()
    mine = approved(bank_world, resident, bank_world.reward(name="鸡蛋一盒"))
    theirs = approved(bank_world, bank_world.resident(), bank_world.reward(name="洗衣液"))
    login(client, bank_world.staff)
    response = client.post("/bank/staff/handover", data={"code": resident.member_qr_payload})
    assert response.status_code == 302
    html = page(client.get(response.headers["Location"]))
    assert f"pickup-{mine.id}" in html and f"pickup-{theirs.id}" not in html
    client.post(f"/bank/staff/redemptions/{mine.id}/fulfil")
    db.session.expire_all()
    assert db.session.get(Redemption, mine.id).status == RedemptionState.FULFILLED


def test_staff_ask_for_a_resident_without_a_phone(client, bank_world):
    reward, resident = bank_world.reward(name="理发一次", price=10), bank_world.resident(points=30)
    db.session.commit()
    login(client, bank_world.staff)
    assert resident.name in page(client.get(f"/bank/staff?q={resident.name}"))
    html = page(client.get(f"/bank/staff/residents/{resident.id}"))
    the_token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(f"/bank/staff/residents/{resident.id}/rewards/{reward.id}", data={"token": the_token})
    assert response.status_code == 302
    assert ledger.balance_of(resident) == 20
    assert "工作人员代申请" in page(client.get("/bank/staff"))


# ------------------------------------------------------------------ staff: catalogue, partners, donations, settings


def reward_form(bank_world, **overrides):
    data = {"community": bank_world.community.id, "name": "大米 5kg", "kind": "goods", "price": "30", "description": "东北大米",
            "limit_count": "1", "limit_period": "month", "partner_id": bank_world.partner.id, "is_listed": "y",
            "first_donation": "6", "donation_token": token()}
    data.update(overrides)
    return data


def test_staff_add_a_reward_with_a_photo_and_its_first_donation(client, bank_world, app, tmp_path):
    login(client, bank_world.staff)
    data = reward_form(bank_world, photo=(io.BytesIO(jpeg()), "rice.jpg"))
    response = client.post("/bank/staff/rewards/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    reward = db.session.scalar(select(Reward).where(Reward.name == "大米 5kg"))
    assert reward.stock == 6 and reward.limit == (1, "month") and reward.photo
    assert (tmp_path / "uploads" / "rewards" / f"{reward.photo}-thumb.jpg").exists()
    photo = client.get(f"/bank/photos/{reward.id}/{reward.photo}-large.jpg")
    photo.close()
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and "private" in photo.headers["Cache-Control"]


def test_reward_photos_are_only_for_their_community(client, bank_world, make):
    reward = bank_world.reward()
    services.update_reward(reward, services.RewardDetails(name=reward.name, price=10), staff=bank_world.staff, photo=jpeg())
    other = BankWorld(make)
    outsider = other.resident()
    db.session.commit()
    url = f"/bank/photos/{reward.id}/{reward.photo}-thumb.jpg"
    assert client.get(url).status_code == 404  # logged out
    login(client, outsider)
    assert client.get(url).status_code == 404
    login(client, bank_world.resident())
    assert len(fetch(client, url)) > 100
    assert client.get(f"/bank/photos/{reward.id}/0000-thumb.jpg").status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_beside_the_field(client, bank_world):
    login(client, bank_world.staff)
    data = reward_form(bank_world, photo=(io.BytesIO(b"%PDF-1.4 not a photo"), "rice.jpg"))
    response = client.post("/bank/staff/rewards/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    html = page(response)
    assert "请选择 JPEG、PNG 或 WebP 格式的照片。" in html and 'value="大米 5kg"' in html
    assert db.session.scalar(select(Reward).where(Reward.name == "大米 5kg")) is None


@pytest.mark.parametrize(("overrides", "message"), [
    ({"price": "0"}, "请填写 1 到 100000 积分。"),
    ({"price": "abc"}, "不是有效的整数。"),
    ({"name": ""}, "请填写兑换品名称。"),
    ({"limit_period": ""}, "请选择限兑周期。"),
    ({"partner_id": "0"}, "请选择首批捐赠的共建单位或商户。"),
    ({"available_from": "2026-12-01", "available_until": "2026-11-01"}, "截止日期不能早于开始日期。"),
])
def test_bad_reward_input_is_explained_and_kept(client, bank_world, overrides, message):
    login(client, bank_world.staff)
    response = client.post("/bank/staff/rewards/new", data=reward_form(bank_world, **overrides))
    assert response.status_code == 422
    html = page(response)
    assert message in html
    assert "东北大米" in html  # what was typed is kept


def test_editing_a_reward_does_not_touch_its_stock(client, bank_world):
    reward = bank_world.reward(name="鸡蛋", price=10, stock=4)
    db.session.commit()
    login(client, bank_world.staff)
    assert 'value="鸡蛋"' in page(client.get(f"/bank/staff/rewards/{reward.id}"))
    response = client.post(f"/bank/staff/rewards/{reward.id}", data=reward_form(bank_world, name="土鸡蛋", stock="999"))
    assert response.status_code == 302
    db.session.expire_all()
    reward = db.session.get(Reward, reward.id)
    assert (reward.name, reward.price, reward.stock) == ("土鸡蛋", 30, 4)


def test_staff_record_a_donation_once(client, bank_world):
    reward = bank_world.reward(stock=0)
    db.session.commit()
    login(client, bank_world.staff)
    html = page(client.get(f"/bank/staff/donations?reward={reward.id}"))
    data = {"reward_id": reward.id, "partner_id": bank_world.partner.id, "quantity": "8", "note": "重阳节",
            "token": re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)}
    assert client.post("/bank/staff/donations", data=data).status_code == 302
    assert client.post("/bank/staff/donations", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Reward, reward.id).stock == 8
    assert "重阳节" in page(client.get("/bank/staff/donations"))


def test_a_donation_without_a_reward_is_explained(client, bank_world):
    login(client, bank_world.staff)
    response = client.post("/bank/staff/donations", data={"reward_id": 0, "partner_id": bank_world.partner.id, "quantity": "3", "token": "x"})
    assert response.status_code == 422 and "请选择捐赠的兑换品。" in page(response)


def test_staff_add_a_partner_and_names_stay_unique(client, bank_world):
    login(client, bank_world.staff)
    data = {"community": bank_world.community.id, "name": "巧手理发店", "kind": "merchant", "contact_name": "吴师傅",
            "contact_phone": "13955500002", "address": "湖景小区商业街8号"}
    assert client.post("/bank/staff/partners/new", data=data).status_code == 302
    assert db.session.scalar(select(Partner).where(Partner.name == "巧手理发店")).contact_name == "吴师傅"
    again = client.post("/bank/staff/partners/new", data=data)
    assert again.status_code == 422 and "已有同名的共建单位或商户。" in page(again)
    assert "13955500002" in page(client.get("/bank/staff/partners"))


def test_staff_set_the_pickup_place_and_window(client, bank_world):
    login(client, bank_world.staff)
    data = {"pickup_place": "社区党群服务中心一楼", "pickup_hours": "节假日除外", "pickup_days": "5",
            "open_days": ["1", "2", "3", "4", "5"], "opens_at": "09:00", "closes_at": "17:00"}
    assert client.post("/bank/staff/settings", data=data).status_code == 302
    assert services.bank_for(bank_world.community.id).pickup_days == 5
    bad = client.post("/bank/staff/settings", data={**data, "pickup_days": "0"})
    assert bad.status_code == 422 and "请填写 1 到 90 天。" in page(bad)


def test_staff_set_the_opening_hours_and_residents_read_them(client, bank_world):
    from datetime import time

    login(client, bank_world.staff)
    form = page(client.get("/bank/staff/settings"))
    assert form.count('type="checkbox"') == 7 and form.count("checked") == 5  # Monday to Friday by default
    data = {"pickup_place": "党群服务中心", "pickup_hours": "节假日除外", "pickup_days": "7",
            "open_days": ["2", "4", "6"], "opens_at": "08:30", "closes_at": "11:30"}
    assert client.post("/bank/staff/settings", data=data).status_code == 302
    settings = services.bank_for(bank_world.community.id)
    assert (settings.open_days, settings.opens_at, settings.closes_at) == ("246", time(8, 30), time(11, 30))
    login(client, bank_world.resident())
    assert "周二、周四和周六 08:30–11:30（节假日除外）" in page(client.get("/bank/"))


def test_opening_hours_errors_come_at_once(client, bank_world):
    login(client, bank_world.staff)
    bad = client.post("/bank/staff/settings", data={"pickup_days": "0", "opens_at": "", "closes_at": ""})
    summary = page(bad).split("error-summary", 1)[1].split("</div>", 1)[0]
    assert bad.status_code == 422
    for message in ("请至少选择一个开放日。", "请填写开门时间。", "请填写关门时间。", "请填写 1 到 90 天。"):
        assert message in summary, message
    late = client.post("/bank/staff/settings", data={"pickup_days": "7", "open_days": ["1"], "opens_at": "17:00",
                                                     "closes_at": "09:00"})
    assert late.status_code == 422 and "关门时间须晚于开门时间。" in page(late)


# ------------------------------------------------------------------ CSRF and weight


def test_every_bank_post_needs_the_csrf_token(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'csrf.sqlite3'}", WTF_CSRF_ENABLED=True))
    with app.app_context():
        db.create_all()
        bank_world = BankWorld(Factory())
        redemption = bank_world.request(bank_world.resident(), bank_world.reward())
        db.session.commit()
        client = app.test_client()
        login_page = page(client.get("/login"))
        client.post("/login", data={"phone": bank_world.staff.phone, "password": "password123", "csrf_token": csrf_token(login_page)})
        assert client.post(f"/bank/staff/redemptions/{redemption.id}/approve").status_code == 400
        html = page(client.get("/bank/staff"))
        response = client.post(f"/bank/staff/redemptions/{redemption.id}/approve", data={"csrf_token": csrf_token(html)})
        assert response.status_code == 302
        db.engine.dispose()


def fetch(client, path: str) -> bytes:
    response = client.get(path)
    data = response.get_data()
    response.close()  # files are streamed: close them, or the file handle leaks
    return data


def test_the_catalogue_page_stays_under_50_kb_with_its_pictures(client, bank_world, app):
    for index in range(6):
        reward = bank_world.reward(name=f"兑换品{index}", stock=3)
        noisy = Image.effect_noise((1600, 1200), 80).convert("RGB")  # the worst case for JPEG
        out = io.BytesIO()
        noisy.save(out, "JPEG", quality=95)
        services.update_reward(reward, services.RewardDetails(name=reward.name, price=10), staff=bank_world.staff, photo=out.getvalue())
    db.session.commit()
    login(client, bank_world.resident())
    html = client.get("/bank/").get_data()
    css = fetch(client, "/static/css/app.css")
    thumbs = [fetch(client, src) for src in re.findall(r'src="(/bank/photos/[^"]+)"', html.decode())]
    assert len(thumbs) == 6
    total = len(html) + len(css) + sum(len(t) for t in thumbs)
    assert total < 50_000, f"catalogue weighs {total} bytes"
    reward_page = client.get(f"/bank/rewards/{reward.id}").get_data()
    large = fetch(client, re.search(r'src="(/bank/photos/[^"]+)"', reward_page.decode()).group(1))
    assert len(reward_page) + len(css) + len(large) < 50_000


def statements_for(client, path: str) -> int:
    from sqlalchemy import event

    client.get(path)  # the same state before each count (what the login left in `g`, warm caches)
    count = []
    listener = lambda *_args: count.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(count)


@pytest.mark.parametrize("path", ["/bank/staff", "/bank/staff/handover"])
def test_staff_lists_cost_the_same_queries_for_two_rows_or_eight(client, bank_world, path):
    def add(n):
        for _ in range(n):
            redemption = requested(bank_world)
            if path.endswith("handover"):
                services.approve_redemption(redemption, staff=bank_world.staff)
        db.session.commit()

    login(client, bank_world.staff)
    add(2)
    few = statements_for(client, path)
    add(6)
    assert statements_for(client, path) == few


def test_the_catalogue_costs_the_same_queries_for_two_rewards_or_eight(client, bank_world):
    resident = bank_world.resident()
    for _ in range(2):
        bank_world.request(resident, bank_world.reward())
    db.session.commit()
    login(client, resident)
    few = statements_for(client, "/bank/")
    for _ in range(6):
        bank_world.request(resident, bank_world.reward())
    db.session.commit()
    assert statements_for(client, "/bank/") == few


@pytest.mark.parametrize("path", ["/bank/staff/handover?done=99999999999999999999", "/bank/staff/handover?resident=99999999999999999999",
                                  "/bank/staff/rewards?community=99999999999999999999", "/bank/staff/donations?reward=99999999999999999999",
                                  "/bank/rewards/99999999999999999999", "/bank/mine/99999999999999999999"])
def test_huge_numbers_are_not_found_or_ignored_never_errors(client, bank_world, path):
    login(client, bank_world.staff)
    assert client.get(path).status_code in (200, 404)


def test_junk_ids_and_tokens_in_forms_are_field_errors(client, bank_world):
    login(client, bank_world.staff)
    donation = {"reward_id": "99999999999999999999", "partner_id": bank_world.partner.id, "quantity": "3", "token": "x"}
    assert client.post("/bank/staff/donations", data=donation).status_code == 422
    reward = bank_world.reward()
    db.session.commit()
    long_token = {"reward_id": reward.id, "partner_id": bank_world.partner.id, "quantity": "3", "token": "t" * 500}
    assert client.post("/bank/staff/donations", data=long_token).status_code == 422
    assert client.post("/bank/staff/rewards/new", data=reward_form(bank_world, partner_id="99999999999999999999")).status_code == 422
