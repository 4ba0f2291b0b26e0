"""Odd input answers 4xx, never 500 (issue 14, finding 9): each root cause the red team saw."""
from __future__ import annotations

import pytest
from points.db import db

from .conftest import _make_app
from .helpers import login


@pytest.fixture
def staff_client(any_app):
    from .factories import Factory

    with any_app.app_context():
        make = Factory()
        community = make.community()
        staff = make.staff(community)
        resident = make.resident(community)
        from points.checkin import services as checkin
        from points.checkin.models import VenueKind

        venue = checkin.create_venue(staff=staff, unit=community, name="议事厅", kind=VenueKind.HALL)
        token = checkin.create_api_token(staff, name="扫码枪")[1]
        ids = {"resident": resident.id, "venue": venue.id, "token": token}
        db.session.commit()
        client = any_app.test_client()
        login(client, staff)
    return client, ids


def test_nul_bytes_in_a_path_or_a_form_are_400(staff_client):
    client, ids = staff_client
    assert client.get("/checkin/v/abc%00def").status_code == 400
    response = client.post(f"/staff/residents/{ids['resident']}/award", data={"points": "5", "reason": "a\x00b", "token": "token-0001"})
    assert response.status_code == 400


@pytest.mark.parametrize("points", ["²", "٣", "9223372036854775808", "2147483648", "1_000"])
def test_numbers_that_are_not_plain_ascii_or_too_big_are_field_errors(staff_client, points):
    client, ids = staff_client
    response = client.post(f"/staff/residents/{ids['resident']}/award", data={"points": points, "reason": "x", "token": "token-0002"})
    assert response.status_code == 422


@pytest.mark.parametrize("path", ["/staff/residents/9223372036854775808", "/staff/residents/2147483648",
                                  "/staff/meetings/1/scan?last=9223372036854775808", "/register?community=²"])
def test_ids_beyond_the_columns_are_not_found(staff_client, path):
    client, _ = staff_client
    assert client.get(path).status_code in (200, 302, 404)


def test_a_login_cookie_with_unicode_digits_is_logged_out(any_app):
    client = any_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "²³.token"
    assert client.get("/wallet").status_code == 302


@pytest.mark.parametrize("body", [
    '{"code": "x", "meeting": 9223372036854775808}',
    '{"code": "x", "meeting": 2147483648}',
    '{"code": "\\ud800", "meeting": 1}',
    '{"code": "a\\u0000b", "meeting": 1}',
    "[" * 50_000 + "]" * 50_000,
    '{"code": ' + "[" * 100 + "]" * 100 + "}",
])
def test_odd_json_is_a_4xx(staff_client, body):
    client, ids = staff_client
    response = client.post("/api/v1/checkins", data=body, content_type="application/json",
                           headers={"Authorization": f"Bearer {ids['token']}"})
    assert 400 <= response.status_code < 500
    assert response.get_json()["status"] == "error"


def test_a_body_over_the_limit_gets_the_413_page(tmp_path):
    app = next(_make_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", MAX_CONTENT_LENGTH=1000))
    response = app.test_client().post("/login", data={"phone": "1" * 5000, "password": "x"})
    assert response.status_code == 413
    assert "文件太大" in response.get_data(as_text=True)
