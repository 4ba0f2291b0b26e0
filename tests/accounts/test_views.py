"""Registration, login and logout as a browser without JavaScript would do them."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from points.accounts.models import Resident
from points.db import db

from ..conftest import csrf_token


@pytest.fixture
def building(make):
    community = make.community("第一社区")
    building = make.building(community)
    db.session.commit()
    return building


def register(client, building_id, **overrides):
    data = {"name": "王芳", "phone": "138 1234 5678", "password": "hongye2026", "unit": building_id, **overrides}
    return client.post("/register", data=data)


def test_register_page_lists_buildings(client, building):
    page = client.get("/register").get_data(as_text=True)
    assert "<optgroup label=\"第一社区\">" in page and "一号院 1号楼" in page


def test_register_creates_resident_and_logs_in(client, building):
    response = register(client, building.id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/wallet")
    resident = db.session.scalar(select(Resident).where(Resident.phone == "13812345678"))
    assert resident.name == "王芳" and resident.community_id == building.community_id
    assert client.get("/wallet").status_code == 200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"phone": "12345"}, "请输入11位大陆手机号。"),
        ({"phone": "23812345678"}, "请输入11位大陆手机号。"),
        ({"password": "short"}, "密码至少需要 8 位。"),
        ({"unit": 0}, "请选择您所住的楼栋。"),
        ({"name": ""}, "请输入姓名。"),
    ],
)
def test_bad_registration_explains_beside_the_field_and_keeps_input(client, building, overrides, message):
    response = register(client, building.id, **overrides)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'class="error"' in page
    if "name" not in overrides:
        assert 'value="王芳"' in page  # what was typed is kept


def test_phone_numbers_are_unique(client, building):
    register(client, building.id)
    client.post("/logout")
    response = register(client, building.id, name="李四")
    assert response.status_code == 422
    assert "此手机号无法注册" in response.get_data(as_text=True)  # not "already registered" (issue 14, finding 7)


def test_register_on_a_unit_that_is_not_a_home_is_refused(client, building, make):
    response = register(client, building.community_id)
    assert response.status_code == 422


def test_login_and_logout(client, make, auth):
    resident = make.resident(phone="13700000001")
    db.session.commit()
    response = auth.login("13700000001")
    assert response.status_code == 302 and response.headers["Location"].endswith("/wallet")
    assert resident.name in client.get("/wallet").get_data(as_text=True)
    auth.logout()
    assert client.get("/wallet").status_code == 302


def test_login_with_wrong_password_says_so(client, make, auth):
    make.resident(phone="13700000001")
    db.session.commit()
    response = auth.login("13700000001", "wrong-password")
    assert response.status_code == 422
    assert "手机号或密码不正确。" in response.get_data(as_text=True)


def test_login_is_rate_limited(client, make, auth):
    make.resident(phone="13700000001")
    db.session.commit()
    for _ in range(10):
        auth.login("13700000001", "wrong-password")
    response = auth.login("13700000001")  # even the right password waits out the window
    assert response.status_code == 429
    assert "尝试次数过多" in response.get_data(as_text=True)


def test_login_follows_a_safe_next_only(client, make):
    make.resident(phone="13700000001")
    db.session.commit()
    response = client.post("/login?next=//evil.example/x", data={"phone": "13700000001", "password": "password123"})
    assert response.headers["Location"].endswith("/wallet")
    client.post("/logout")
    response = client.post("/login?next=/wallet/card", data={"phone": "13700000001", "password": "password123"})
    assert response.headers["Location"].endswith("/wallet/card")


def test_change_password(client, make, auth):
    make.resident(phone="13700000001")
    db.session.commit()
    auth.login("13700000001")
    bad = client.post("/account/password", data={"current": "nope", "new": "new-password-1"})
    assert "当前密码不正确。" in bad.get_data(as_text=True)
    good = client.post("/account/password", data={"current": "password123", "new": "new-password-1"})
    assert good.status_code == 302
    auth.logout()
    assert auth.login("13700000001", "new-password-1").status_code == 302


def test_language_switch_to_english_and_back(client):
    assert "登录" in client.get("/").get_data(as_text=True)
    client.post("/settings/language", data={"lang": "en", "next": "/"})
    assert "Log in" in client.get("/").get_data(as_text=True)
    client.post("/settings/language", data={"lang": "zh", "next": "/"})
    assert "登录" in client.get("/").get_data(as_text=True)


def test_large_type_toggle(client):
    client.post("/settings/large-type", data={"next": "/"})
    assert '<html lang="zh-Hans" class="large">' in client.get("/").get_data(as_text=True)


def test_error_pages_are_in_chinese(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在。" in response.get_data(as_text=True)


def test_forms_need_a_csrf_token(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    make.resident(phone="13700000001")
    db.session.commit()
    refused = client.post("/login", data={"phone": "13700000001", "password": "password123"})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    token = csrf_token(client.get("/login").get_data(as_text=True))
    accepted = client.post("/login", data={"phone": "13700000001", "password": "password123", "csrf_token": token})
    assert accepted.status_code == 302


def test_with_several_communities_the_resident_picks_theirs_first(client, make):
    first, second = make.community("第一社区"), make.community("第二社区")
    db.session.commit()
    page = client.get("/register?next=/wallet").get_data(as_text=True)
    assert "您住在哪个社区？" in page and f"/register?community={second.id}" in page
    form = client.get(f"/register?community={second.id}").get_data(as_text=True)
    assert '<optgroup label="第二社区">' in form and "第一社区" not in form.split("<select")[1]
    del first
