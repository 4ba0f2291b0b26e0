"""What staff meet in their first hour: the 工作台 with what waits for them, tabs that say where they are, and a
poster page that warns before printing a QR code phones cannot open."""
from __future__ import annotations

import re

import pytest

from points.checkin import services as checkin
from points.checkin.models import VenueKind
from points.checkin.views.common import unreachable_host
from points.db import db

from .helpers import login


@pytest.mark.parametrize(("url", "host"), [
    ("http://127.0.0.1:8000/v/x", "127.0.0.1"), ("http://localhost/v/x", "localhost"),
    ("http://192.168.1.20:8000/v/x", "192.168.1.20"), ("http://10.0.0.5/v/x", "10.0.0.5"),
    ("https://points.example.cn/v/x", None), ("http://36.110.1.1/v/x", None),
])
def test_unreachable_hosts_are_recognised(url, host):
    assert unreachable_host(url) == host


def _venue(make):
    community = make.community()
    staff = make.staff(community)
    venue = checkin.create_venue(staff=staff, unit=community, name="议事厅", kind=VenueKind.HALL)
    db.session.commit()
    return staff, venue


def test_the_poster_warns_about_a_local_address_and_names_wechat(client, make):
    staff, venue = _venue(make)
    login(client, staff)
    page = client.get(f"/staff/venues/{venue.id}/poster").get_data(as_text=True)
    assert 'data-testid="address-warning"' in page and "POINTS_PUBLIC_BASE_URL" in page
    assert "微信" in page


def test_the_poster_does_not_warn_with_a_public_base_url(app, client, make):
    app.config["PUBLIC_BASE_URL"] = "https://points.example.cn"
    staff, venue = _venue(make)
    login(client, staff)
    page = client.get(f"/staff/venues/{venue.id}/poster").get_data(as_text=True)
    assert 'data-testid="address-warning"' not in page and "https://points.example.cn/" in page


def test_the_staff_desk_shows_meetings_queue_and_hand_over(client, make):
    staff, _ = _venue(make)
    login(client, staff)
    page = client.get("/staff").get_data(as_text=True)
    assert "今天的议事会" in page and 'href="/bank/staff"' in page and 'href="/bank/staff/handover"' in page
    assert 'data-testid="queue-count">0<' in page
    assert 'aria-current="page">工作台' in page


def test_bank_staff_pages_highlight_the_bank_tab(client, make):
    staff, _ = _venue(make)
    login(client, staff)
    assert 'aria-current="page">公益银行' in client.get("/bank/staff/handover").get_data(as_text=True)


def _h1s(page: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", page, flags=re.DOTALL)


def test_a_refused_check_in_is_the_page_heading(client, make):
    _, venue = _venue(make)  # no meeting here now: the scan is refused
    login(client, make.resident(venue.community))
    response = client.get(f"/v/{venue.poster_token}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-result="ok"' not in page
    (heading,) = _h1s(page)
    assert "✕" in heading


def test_a_forwarded_check_in_link_has_a_heading(client, make):
    login(client, make.resident())
    response = client.get("/checkin/t/not-a-ticket")
    assert response.status_code == 404 and len(_h1s(response.get_data(as_text=True))) == 1


def test_the_member_card_pages_have_a_heading(client, make):
    staff, venue = _venue(make)
    resident = make.resident(venue.community)
    db.session.commit()
    login(client, resident)
    assert _h1s(client.get("/wallet/card").get_data(as_text=True)) == ["积分卡"]
    login(client, staff)
    assert len(_h1s(client.get(f"/staff/residents/{resident.id}/card").get_data(as_text=True))) == 1


def test_the_home_screen_icon_is_served(client):
    page = client.get("/login").get_data(as_text=True)
    icon = re.search(r'rel="apple-touch-icon" href="([^"]+)"', page).group(1)
    response = client.get(icon)
    response.close()  # a static file is sent as an open file
    assert response.status_code == 200 and response.mimetype == "image/png"


def test_staff_pages_name_no_id_twice(client, make):
    staff, _ = _venue(make)
    login(client, staff)
    for path in ("/staff", "/bank/staff", "/bank/staff/handover", "/bank/staff/settings", "/staff/venues"):
        ids = re.findall(r'\sid="([^"]+)"', client.get(path).get_data(as_text=True))
        assert sorted({i for i in ids if ids.count(i) > 1}) == [], path
