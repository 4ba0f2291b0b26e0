"""Cross-cutting guarantees: CSRF on every POST, safe redirects, and junk input answered without a 500."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from points.db import db
from points.units.models import Unit


def _post_rules(app):
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or set()):
            yield rule


def test_every_post_endpoint_needs_a_csrf_token(app, make):
    app.config["WTF_CSRF_ENABLED"] = True
    staff = make.staff(make.community())
    db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff.get_id()
        session["_fresh"] = True
    rules = list(_post_rules(app))
    assert len(rules) >= 10
    for rule in rules:
        url = re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)
        response = client.post(url, data={"reason": "x", "points": 1})
        allowed = {400, 401, 403} if rule.rule.startswith("/api/") else {400}
        assert response.status_code in allowed, (rule.rule, response.status_code)


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)", "http:/evil"])
def test_login_never_redirects_off_site(client, make, target):
    make.resident(phone="13700000001")
    db.session.commit()
    response = client.post("/login", query_string={"next": target}, data={"phone": "13700000001", "password": "password123"})
    assert response.status_code == 302
    assert response.headers["Location"] in ("/wallet", "http://localhost/wallet")


@pytest.mark.parametrize("path", ["/staff/residents/99999999999999999999", "/rules/99999999999999999999", "/wallet?before=99999999999999999999"])
def test_huge_numbers_in_urls_are_not_found_not_errors(client, auth, make, path):
    community = make.community()
    staff = make.staff(community)
    db.session.commit()
    auth.login(staff.phone)
    assert client.get(path).status_code in (200, 404)


def test_huge_building_id_is_a_field_error(client, make):
    make.community()
    db.session.commit()
    response = client.post("/register", data={"name": "王", "phone": "13812345678", "password": "password-1", "unit": "99999999999999999999"})
    assert response.status_code == 422


def test_overlong_award_token_is_refused_politely(client, auth, make):
    community = make.community()
    staff, resident = make.staff(community), make.resident(community)
    db.session.commit()
    auth.login(staff.phone)
    response = client.post(f"/staff/residents/{resident.id}/award", data={"points": 5, "reason": "x", "token": "t" * 500})
    assert response.status_code == 422


def test_huge_caps_are_a_field_error(client, auth, make):
    community = make.community()
    admin = make.admin()
    db.session.commit()
    auth.login(admin.phone)
    response = client.post(f"/admin/rules/{community.id}", data={"action": "test_rating", "test_rating-points": "1", "test_rating-daily_cap": "3000000000"})
    assert response.status_code == 422 and "不限请留空" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [("测试区,测试街道," + "长" * 81 + "\n", "最多"), ('"' + "x" * 200000 + "\n", "CSV")],
)
def test_bad_csv_contents_are_field_errors(client, auth, make, content, message):
    admin = make.admin()
    db.session.commit()
    auth.login(admin.phone)
    response = client.post("/admin/units/import", data={"file": (io.BytesIO(content.encode()), "u.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_csv_import_stays_inside_the_admins_units(client, auth, make):
    community = make.community("第一社区")
    admin = make.admin(community)
    db.session.commit()
    auth.login(admin.phone)
    outside = "测试区,测试街道,别的社区,东院,1号楼\n"
    response = client.post("/admin/units/import", data={"file": (io.BytesIO(outside.encode()), "u.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "不在您管理的范围内" in response.get_data(as_text=True)
    assert db.session.scalar(select(Unit).where(Unit.name == "别的社区")) is None
    inside = "测试区,测试街道,第一社区,新院,1号楼\n"
    response = client.post("/admin/units/import", data={"file": (io.BytesIO(inside.encode()), "u.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302


def test_password_change_logs_out_other_devices(app, make):
    resident = make.resident(phone="13700000001")
    db.session.commit()
    phone, laptop = app.test_client(), app.test_client()
    for device in (phone, laptop):
        device.post("/login", data={"phone": "13700000001", "password": "password123"})
    assert laptop.post("/account/password", data={"current": "password123", "new": "new-password-9"}).status_code == 302
    assert laptop.get("/wallet").status_code == 200  # the device that changed it stays in
    assert phone.get("/wallet").status_code == 302  # every other one must log in again
    del resident


def test_successful_logins_do_not_use_up_the_meeting_rooms_limit(app, make):
    people = [make.resident() for _ in range(12)]
    db.session.commit()
    for person in people:
        client = app.test_client()
        assert client.post("/login", data={"phone": person.phone, "password": "password123"}).status_code == 302


def test_failed_logins_from_one_address_are_limited(app, make):
    app.config["LOGIN_CLIENT_RATE_LIMIT"] = "5/5minutes"
    victim = make.resident()
    db.session.commit()
    client = app.test_client()
    for n in range(5):
        client.post("/login", data={"phone": f"1370000{n:04d}", "password": "guess"})
    assert client.post("/login", data={"phone": victim.phone, "password": "password123"}).status_code == 429
