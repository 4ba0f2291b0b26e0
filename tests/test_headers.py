"""Security headers (issue 14, finding 13): a Content-Security-Policy with the app's own scripts and styles
only, inline ones by nonce; no framing; a referrer policy; HSTS when https is configured."""
from __future__ import annotations

import re
from pathlib import Path

from points.db import db

from .conftest import _make_app
from .helpers import login

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def test_every_page_sends_the_policy(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain http in tests


def test_an_inline_script_carries_the_responses_nonce(client, make):
    community = make.community()
    staff = make.staff(community)
    resident = make.resident(community)
    db.session.commit()
    login(client, staff)
    response = client.get(f"/staff/residents/{resident.id}/card")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    page = response.get_data(as_text=True)
    assert f'<script nonce="{nonce}">' in page and f'<style nonce="{nonce}">' in page
    assert "onclick" not in page and 'style="' not in page
    again = client.get(f"/staff/residents/{resident.id}/card")
    assert nonce not in again.headers["Content-Security-Policy"]  # a fresh nonce per response


def test_no_template_has_an_inline_script_style_or_handler_without_the_nonce():
    problems = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", text):
            if "src=" in tag or 'type="application/json"' in tag:
                continue
            if "csp_nonce()" not in tag:
                problems.append(f"{path.name}: {tag}")
        if re.search(r'\sstyle="', text) or re.search(r"\son[a-z]+=", text):
            problems.append(f"{path.name}: style or event-handler attribute")
    assert not problems, problems


def test_hsts_when_https_is_configured(tmp_path):
    app = next(_make_app(f"sqlite:///{tmp_path / 'db.sqlite3'}", SESSION_COOKIE_SECURE=True))
    response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
