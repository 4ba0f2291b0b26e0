"""Logging out ends the session everywhere; the remember-me cookie is as protected as the session cookie, lasts
30 days and is not ticked by default (issue 14, finding 5)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from points.db import db

from ..conftest import _make_app

PHONE = "13700000001"


def _login(client, remember: bool = True):
    data = {"phone": PHONE, "password": "password123"}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302
    return response


def _copy(source, target, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value)


def test_a_session_cookie_copied_before_logout_no_longer_opens_the_wallet(app, make):
    make.resident(phone=PHONE)
    db.session.commit()
    phone, thief = app.test_client(), app.test_client()
    _login(phone, remember=False)
    _copy(phone, thief, "session")
    assert thief.get("/wallet").status_code == 200
    phone.post("/logout")
    assert thief.get("/wallet").status_code == 302


def test_a_remember_cookie_copied_before_logout_no_longer_opens_the_wallet(app, make):
    make.resident(phone=PHONE)
    db.session.commit()
    phone, thief = app.test_client(), app.test_client()
    _login(phone, remember=True)
    _copy(phone, thief, "remember_token")
    assert thief.get("/wallet").status_code == 200  # the remember cookie alone logs in
    phone.post("/logout")
    thief.delete_cookie("session")
    assert thief.get("/wallet").status_code == 302


def test_the_remember_box_is_not_ticked(client):
    html = client.get("/login").get_data(as_text=True)
    box = html[html.index('name="remember"') - 200: html.index('name="remember"') + 200]
    assert "checked" not in box


def test_the_remember_cookie_is_secure_httponly_lax_and_lasts_thirty_days(tmp_path):
    app = next(_make_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", SESSION_COOKIE_SECURE=True))
    with app.app_context():
        from tests.factories import Factory

        Factory().resident(phone=PHONE)
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"phone": PHONE, "password": "password123", "remember": "y"},
                           base_url="https://localhost")
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    remember = cookies["remember_token"]
    assert "Secure" in remember and "HttpOnly" in remember and "SameSite=Lax" in remember
    expires = parsedate_to_datetime(remember.split("Expires=")[1].split(";")[0])
    assert timedelta(days=29) < expires - datetime.now(timezone.utc) <= timedelta(days=30, minutes=1)
