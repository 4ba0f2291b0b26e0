"""Getting back in without SMS: a one-time code from the desk, a new password, and the audit of who issued it."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from points.accounts import recovery
from points.accounts.models import ResetCode
from points.accounts import services as accounts
from points.db import db
from points.errors import DomainError, NotAllowed

from ..helpers import login

LIMIT = "10/5minutes"


@pytest.fixture
def desk(make):
    community = make.community()
    staff = make.staff(community)
    resident = make.resident(community, name="王芳")
    db.session.commit()
    return community, staff, resident


def test_code_sets_a_new_password_once(desk):
    _, staff, resident = desk
    row, code = recovery.issue_reset_code(resident, staff=staff)
    assert row.issued_by_id == staff.id and row.used_at is None and code not in row.code_hash
    recovery.reset_password_with_code(resident.phone, code, "newpass2026", limit=LIMIT)
    assert resident.check_password("newpass2026") and row.used_at is not None
    with pytest.raises(DomainError) as refused:
        recovery.reset_password_with_code(resident.phone, code, "another2026", limit=LIMIT)
    assert refused.value.code == "invalid_reset_code"


def test_code_expires(desk, clock):
    _, staff, resident = desk
    start = clock.set(clock.now())
    _, code = recovery.issue_reset_code(resident, staff=staff)
    clock.set(start + recovery.CODE_VALID + timedelta(seconds=1))
    with pytest.raises(DomainError) as refused:
        recovery.reset_password_with_code(resident.phone, code, "newpass2026", limit=LIMIT)
    assert refused.value.code == "invalid_reset_code"


def test_a_new_code_replaces_the_old_one(desk):
    _, staff, resident = desk
    _, first = recovery.issue_reset_code(resident, staff=staff)
    _, second = recovery.issue_reset_code(resident, staff=staff)
    if first != second:
        with pytest.raises(DomainError):
            recovery.reset_password_with_code(resident.phone, first, "newpass2026", limit=LIMIT)
    recovery.reset_password_with_code(resident.phone, second, "newpass2026", limit=LIMIT)


def test_wrong_codes_are_rate_limited(desk):
    _, staff, resident = desk
    recovery.issue_reset_code(resident, staff=staff)
    for _ in range(3):
        with pytest.raises(DomainError) as refused:
            recovery.reset_password_with_code(resident.phone, "00000000", "newpass2026", limit="3/5minutes")
        assert refused.value.code == "invalid_reset_code"
    with pytest.raises(DomainError) as refused:
        recovery.reset_password_with_code(resident.phone, "00000000", "newpass2026", limit="3/5minutes")
    assert refused.value.code == "rate_limited"


def test_staff_never_reset_their_own_password(desk):
    _, staff, _ = desk
    with pytest.raises(NotAllowed) as refused:
        recovery.issue_reset_code(staff, staff=staff)
    assert refused.value.code == "own_account"


def test_staff_never_reset_another_communitys_resident(desk, make):
    _, staff, _ = desk
    stranger = make.resident(make.community())
    with pytest.raises(NotAllowed) as refused:
        recovery.issue_reset_code(stranger, staff=staff)
    assert refused.value.code == "not_your_community"


def test_staff_never_take_over_a_colleague_or_admin(desk, make):
    community, staff, _ = desk
    colleague = make.staff(community)
    with pytest.raises(NotAllowed) as refused:
        recovery.issue_reset_code(colleague, staff=staff)
    assert refused.value.code == "role_holder"
    admin = make.admin()
    recovery.issue_reset_code(colleague, staff=admin)  # an admin over the colleague's unit may


def test_no_code_for_a_resident_without_phone(desk, make):
    community, staff, _ = desk
    card_only = accounts.create_resident(staff=staff, name="李伯", unit=make.building(community))
    with pytest.raises(DomainError) as refused:
        recovery.issue_reset_code(card_only, staff=staff)
    assert refused.value.code == "no_phone"


# ------------------------------------------------------------------ pages


def test_desk_to_new_password_through_the_pages(app, client, desk):
    _, staff, resident = desk
    assert "忘记密码" in client.get("/login").get_data(as_text=True)
    assert "社区服务站" in client.get("/login/forgot").get_data(as_text=True)
    login(client, staff)
    page = client.get(f"/staff/residents/{resident.id}/password-code")
    assert page.status_code == 200 and "身份" in page.get_data(as_text=True)
    refused = client.post(f"/staff/residents/{resident.id}/password-code", data={})
    assert refused.status_code == 422  # the identity check is not ticked
    shown = client.post(f"/staff/residents/{resident.id}/password-code", data={"checked": "y"})
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    code = re.search(r'class="big code">(\d{4}) (\d{4})<', shown.get_data(as_text=True))
    code = code.group(1) + code.group(2)
    client.post("/logout")
    wrong = client.post("/login/code", data={"phone": resident.phone, "code": "12345678", "new": "short"})
    body = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "error-summary" in body and 'href="#new"' in body
    done = client.post("/login/code", data={"phone": resident.phone, "code": code, "new": "newpass2026"})
    assert done.status_code == 302
    assert client.get("/account").status_code == 200
    with app.app_context():
        row = db.session.scalar(db.select(ResetCode))
        assert row.used_at is not None and row.issued_by_id == staff.id


def test_staff_reset_page_is_404_for_another_community(client, desk, make):
    _, staff, _ = desk
    stranger = make.resident(make.community())
    db.session.commit()
    login(client, staff)
    assert client.get(f"/staff/residents/{stranger.id}/password-code").status_code == 404


def test_me_page_links_password_language_and_large_type(client, desk):
    _, _, resident = desk
    login(client, resident)
    page = client.get("/account").get_data(as_text=True)
    assert "/account/password" in page and "/settings/large-type" in page and "/settings/language" in page
    assert 'href="/account"' in client.get("/wallet").get_data(as_text=True)  # the header name leads there


def test_password_change_shows_every_problem_at_once(client, desk):
    _, _, resident = desk
    login(client, resident)
    response = client.post("/account/password", data={"current": "wrong-one", "new": "short"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#current"' in body and 'href="#new"' in body


def test_staff_land_on_their_desk(client, desk):
    _, staff, _ = desk
    response = client.post("/login", data={"phone": staff.phone, "password": "password123"})
    assert response.headers["Location"].endswith("/staff")


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    response.close()  # a static file is sent as an open file
    assert response.status_code == 200 and response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
