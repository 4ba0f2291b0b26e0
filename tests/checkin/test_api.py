"""POST /api/v1/checkins and friends: token or session, CSRF only for sessions, nonces, the OpenAPI file."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from points.checkin import services
from points.checkin.models import Checkin
from points.db import db, utcnow

from ..conftest import _make_app
from .conftest import Scene


@pytest.fixture
def open_meeting(make) -> Scene:
    scene = Scene(make)
    now = utcnow()
    scene.now_meeting = services.schedule_meeting(
        staff=scene.staff, venue=scene.venue, title="楼道照明改造", starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=1), now=now - timedelta(days=1),
    )
    scene.token = services.create_api_token(scene.staff, name="前台扫码枪")[1]
    db.session.commit()
    return scene


def post(client, body, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/v1/checkins", json=body, headers=headers)


def test_a_device_checks_a_resident_in_with_its_token(client, open_meeting):
    s = open_meeting
    response = post(client, {"code": s.resident.member_qr_payload, "meeting": s.now_meeting.id, "nonce": "a1"}, s.token)
    data = response.get_json()
    assert response.status_code == 200 and data["status"] == "ok" and data["reason"] is None
    assert data["resident"] == {"id": s.resident.id, "name": "王芳", "member_code": s.resident.member_code}
    assert data["points"] == 10 and data["message"].startswith("签到成功") and data["checked_in_at"]
    row = db.session.get(Checkin, data["checkin"])
    assert row.route == "api" and row.actor_id == s.staff.id and row.device.startswith("API 前台扫码枪")


def test_replaying_a_nonce_returns_the_same_answer(client, open_meeting):
    s = open_meeting
    body = {"code": s.resident.member_code, "meeting": s.now_meeting.id, "nonce": "retry-after-timeout"}
    first = post(client, body, s.token).get_json()
    again = post(client, body, s.token).get_json()
    assert again == {**first, "replayed": True}
    assert db.session.scalar(select(func.count(Checkin.id))) == 1


def test_a_second_scan_with_a_new_nonce_is_already_checked_in(client, open_meeting):
    s = open_meeting
    first = post(client, {"code": s.resident.member_code, "meeting": s.now_meeting.id, "nonce": "1"}, s.token).get_json()
    again = post(client, {"code": s.resident.member_code, "meeting": s.now_meeting.id, "nonce": "2"}, s.token).get_json()
    assert again["status"] == "error" and again["reason"] == "already_checked_in"
    assert again["checked_in_at"] == first["checked_in_at"] and again["message"].startswith("已签到 ")


def test_refusals_are_answers_not_http_errors(client, open_meeting):
    s = open_meeting
    data = post(client, {"code": "ZZZZ2222", "meeting": s.now_meeting.id}, s.token).get_json()
    assert (data["status"], data["reason"], data["resident"]) == ("error", "invalid", None)


def test_no_credentials_is_401(client, open_meeting):
    response = post(client, {"code": "x", "meeting": open_meeting.now_meeting.id})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert post(client, {"code": "x", "meeting": 1}, "pts_wrong").status_code == 401


def test_a_revoked_token_is_401(client, open_meeting):
    s = open_meeting
    services.revoke_api_token(services.tokens_of(s.staff)[0], owner=s.staff)
    assert post(client, {"code": s.resident.member_code, "meeting": s.now_meeting.id}, s.token).status_code == 401


def test_a_meeting_of_another_community_is_404(client, open_meeting, make):
    s = open_meeting
    outsider = make.staff(make.community("第二社区"))
    token = services.create_api_token(outsider, name="x")[1]
    assert post(client, {"code": s.resident.member_code, "meeting": s.now_meeting.id}, token).status_code == 404
    assert db.session.scalar(select(func.count(Checkin.id))) == 0


@pytest.mark.parametrize("body", [None, [], {"meeting": 1}, {"code": "", "meeting": 1}, {"code": "x", "meeting": "1"},
                                  {"code": "x", "meeting": True}, {"code": "x", "meeting": 1, "nonce": 5}, {"code": "x" * 301, "meeting": 1}])
def test_malformed_bodies_are_400(client, open_meeting, body):
    headers = {"Authorization": f"Bearer {open_meeting.token}"}
    response = client.post("/api/v1/checkins", data=json.dumps(body) if body is not None else "not json",
                           headers=headers, content_type="application/json")
    assert response.status_code == 400 and response.get_json()["reason"] == "bad_request"


def test_a_venue_code_checks_the_caller_in_themselves(client, open_meeting):
    s = open_meeting
    token = services.create_api_token(s.staff, name="自用")[1]
    data = post(client, {"code": f"http://localhost/v/{s.venue.poster_token}", "nonce": "self-1"}, token).get_json()
    assert data["status"] == "ok" and data["resident"]["id"] == s.staff.id


def test_list_todays_meetings(client, open_meeting):
    data = client.get("/api/v1/meetings", headers={"Authorization": f"Bearer {open_meeting.token}"}).get_json()
    assert [m["title"] for m in data["meetings"]] == ["楼道照明改造"] and data["meetings"][0]["is_open"]
    assert client.get("/api/v1/meetings").status_code == 401


# ------------------------------------------------------------------ CSRF: only token calls are exempt


@pytest.fixture
def csrf_app(tmp_path) -> Flask:
    yield from _make_app(f"sqlite:///{tmp_path / 'csrf.sqlite3'}", WTF_CSRF_ENABLED=True)


@pytest.fixture
def csrf_scene(csrf_app):
    from tests.factories import Factory

    with csrf_app.app_context():
        scene = Scene(Factory())
        now = utcnow()
        scene.now_meeting = services.schedule_meeting(
            staff=scene.staff, venue=scene.venue, title="楼道照明改造", starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(hours=1), now=now - timedelta(days=1),
        )
        scene.token = services.create_api_token(scene.staff, name="前台扫码枪")[1]
        scene.ids = (scene.now_meeting.id, scene.resident.member_code, scene.staff.phone)
        db.session.commit()
        yield scene


def session_client(app, phone):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"phone": phone, "password": "password123", "csrf_token": token}).status_code == 302
    page = client.get("/staff/api-tokens").get_data(as_text=True)
    return client, re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_session_call_without_the_csrf_header_is_refused(csrf_app, csrf_scene):
    meeting_id, member_code, phone = csrf_scene.ids
    client, _ = session_client(csrf_app, phone)
    response = post(client, {"code": member_code, "meeting": meeting_id})
    assert response.status_code == 400 and response.get_json()["reason"] == "csrf"


def test_a_session_call_with_the_csrf_header_works(csrf_app, csrf_scene):
    meeting_id, member_code, phone = csrf_scene.ids
    client, token = session_client(csrf_app, phone)
    response = post(client, {"code": member_code, "meeting": meeting_id}, **{"X-CSRFToken": token})
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_a_token_call_needs_no_csrf_token(csrf_app, csrf_scene):
    meeting_id, member_code, _ = csrf_scene.ids
    response = post(csrf_app.test_client(), {"code": member_code, "meeting": meeting_id}, csrf_scene.token)
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_other_posts_still_need_csrf(csrf_app, csrf_scene):
    meeting_id, member_code, phone = csrf_scene.ids
    client, _ = session_client(csrf_app, phone)
    assert client.post(f"/staff/meetings/{meeting_id}/scan", data={"code": member_code}).status_code == 400


# ------------------------------------------------------------------ OpenAPI


def test_openapi_file_is_served_and_describes_the_routes(client, app):
    response = client.get("/api/v1/openapi.json")
    spec = response.get_json()
    assert response.status_code == 200 and spec["openapi"].startswith("3.")
    served = {r.rule.removeprefix("/api/v1") for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert served == set(spec["paths"])
    reasons = spec["components"]["schemas"]["Reason"]["enum"]
    assert reasons == ["invalid", "expired_code", "outside_window", "no_meeting", "already_checked_in", "not_eligible", "rate_limited"]


def test_openapi_file_is_valid_openapi(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())


def test_another_communitys_member_code_reveals_nothing(client, open_meeting, make):
    """Issue 14, finding 8: no id, name or member code of another community's resident comes back."""
    s = open_meeting
    stranger = make.resident(make.community("第二社区"), name="赵六")
    db.session.commit()
    data = post(client, {"code": stranger.member_qr_payload, "meeting": s.now_meeting.id, "nonce": "x1"}, s.token).get_json()
    assert data["status"] == "error" and data["reason"] == "not_eligible" and data["resident"] is None
    assert data["message"] == "不是本社区的居民。"
    assert "赵六" not in str(data) and stranger.member_code not in str(data) and str(stranger.id) not in str(data["resident"])
