"""The database is unreachable (issue 14, finding 12): 503 with a plain Chinese message and Retry-After, and
/healthz says the database is down; the app pointed at a closed port stands in for a stopped server."""
from __future__ import annotations

import socket

import pytest

from points import create_app

from .conftest import _config


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # free, and nothing listens once the socket is closed


@pytest.fixture(params=["postgresql", "sqlite"])
def down_app(request, tmp_path):
    if request.param == "postgresql":
        url = f"postgresql://postgres@127.0.0.1:{_closed_port()}/points"
    else:
        url = f"sqlite:///{tmp_path / 'no-such-folder' / 'points.sqlite3'}"  # cannot be opened
    app = create_app(_config(url, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}}
                             if request.param == "postgresql" else {}))
    yield app
    with app.app_context():
        from points.db import db

        db.engine.dispose()


def test_a_page_answers_503_in_chinese_with_retry_after(down_app):
    response = down_app.test_client().get("/register")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "请稍后再试" in response.get_data(as_text=True)


def test_a_logged_in_visitor_gets_the_same_page(down_app):
    client = down_app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1.abc"  # a login cookie: loading the user needs the database too
    response = client.get("/wallet")
    assert response.status_code == 503 and response.headers["Retry-After"]


def test_the_api_answers_503_json(down_app):
    response = down_app.test_client().post("/api/v1/checkins", json={"code": "x", "meeting": 1},
                                            headers={"Authorization": "Bearer pts_x"})
    assert response.status_code == 503 and response.get_json()["reason"] == "unavailable"


def test_healthz_reports_the_database_down(down_app):
    response = down_app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "error", "database": "down"}


def test_healthz_reports_the_database_up(client):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok"}
