"""Admin pages: loading the unit tree from CSV and granting roles, for admins only."""
from __future__ import annotations

import io

from sqlalchemy import select

from points.accounts.models import RoleGrant
from points.db import db
from points.units.models import Unit


def test_admin_page_is_for_admins(client, auth, make):
    community = make.community()
    staff = make.staff(community)
    db.session.commit()
    assert client.get("/admin/").status_code == 302  # to the login page
    auth.login(staff.phone)
    assert client.get("/admin/").status_code == 403


def test_admin_loads_units_from_csv(client, auth, make):
    admin = make.admin()
    db.session.commit()
    auth.login(admin.phone)
    data = {"file": (io.BytesIO("测试区,测试街道,新社区,东院,1号楼\n".encode()), "units.csv")}
    response = client.post("/admin/units/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert "已添加 3 个单元。" in client.get("/admin/").get_data(as_text=True)
    assert db.session.scalar(select(Unit).where(Unit.name == "东院")).level == "compound"


def test_bad_csv_is_explained_beside_the_field(client, auth, make):
    admin = make.admin()
    db.session.commit()
    auth.login(admin.phone)
    data = {"file": (io.BytesIO(b"\xff\xfe\x00bad"), "units.csv")}
    response = client.post("/admin/units/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "文件须为UTF-8编码。" in response.get_data(as_text=True)


def test_admin_grants_and_revokes_a_role(client, auth, make):
    admin = make.admin()
    community = make.community()
    person = make.resident(community)
    db.session.commit()
    auth.login(admin.phone)
    response = client.post("/admin/roles", data={"phone": person.phone, "role": "staff", "unit": community.id})
    assert response.status_code == 302
    grant = db.session.scalar(select(RoleGrant).where(RoleGrant.resident_id == person.id))
    assert (grant.role, grant.unit_id) == ("staff", community.id)
    listing = client.get("/admin/").get_data(as_text=True)
    assert f"{person.name} · 社区工作者 · {community.name}" in listing
    assert "· staff ·" not in listing and "· admin ·" not in listing  # roles read in Chinese
    assert f'href="/admin/roles/{grant.id}/revoke"' in listing  # removing starts with a question, not a POST
    confirm = client.get(f"/admin/roles/{grant.id}/revoke").get_data(as_text=True)
    assert person.name in confirm and "确认移除" in confirm
    assert db.session.get(RoleGrant, grant.id) is not None
    assert client.post(f"/admin/roles/{grant.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(RoleGrant).where(RoleGrant.resident_id == person.id)) is None


def test_grant_to_unknown_phone_is_explained(client, auth, make):
    admin = make.admin()
    community = make.community()
    db.session.commit()
    auth.login(admin.phone)
    response = client.post("/admin/roles", data={"phone": "13111111111", "role": "staff", "unit": community.id})
    assert response.status_code == 422 and "没有用此手机号注册的用户。" in response.get_data(as_text=True)


def test_community_admin_cannot_grant_above_their_unit(client, auth, make):
    community = make.community()
    admin = make.admin(community)
    person = make.resident(community)
    db.session.commit()
    auth.login(admin.phone)
    response = client.post("/admin/roles", data={"phone": person.phone, "role": "admin", "unit": make.district().id})
    assert response.status_code == 422
    assert db.session.scalar(select(RoleGrant).where(RoleGrant.resident_id == person.id)) is None
