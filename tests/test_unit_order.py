"""Units are listed in natural order wherever they are listed: 1号楼, 2号楼, 3号楼, 10号楼, 11号楼 (not in the order
they were created, and not 1, 10, 11, 2), on registration, the staff pages and every dropdown."""
from __future__ import annotations

import re

import pytest

from points.accounts import services as accounts
from points.accounts.models import Role
from points.accounts.permissions import SYSTEM, communities_for
from points.db import db
from points.units.models import Level, natural_key, natural_order, tree_order
from points.units.services import create_unit, subtree_units

from .helpers import login


@pytest.mark.parametrize(("names", "expected"), [
    (["2号楼", "3号楼", "1号楼", "11号楼", "10号楼"], ["1号楼", "2号楼", "3号楼", "10号楼", "11号楼"]),
    (["十二号院", "二号院", "一号院", "十号院"], ["一号院", "二号院", "十号院", "十二号院"]),
    (["B座", "A10座", "A9座"], ["A9座", "A10座", "B座"]),
    (["第十社区", "第二社区", "第一社区"], ["第一社区", "第二社区", "第十社区"]),
    (["3栋2单元", "3栋10单元", "3栋1单元"], ["3栋1单元", "3栋2单元", "3栋10单元"]),
    (["101", "东区", "9"], ["9", "101", "东区"]),
])
def test_natural_key_orders_numbers_as_numbers(names, expected):
    assert sorted(names, key=natural_key) == expected


def _compound(make, names=("2号楼", "3号楼", "1号楼", "11号楼", "10号楼")):
    community = make.community()
    compound = create_unit("湖景小区", Level.COMPOUND, parent=community)
    for name in names:
        create_unit(name, Level.BUILDING, parent=compound)
    db.session.commit()
    return community, compound


def test_the_tree_lists_parents_first_and_siblings_in_natural_order(make):
    community, compound = _compound(make)
    units = subtree_units([compound])
    assert [u.name for u in units] == ["湖景小区", "1号楼", "2号楼", "3号楼", "10号楼", "11号楼"]
    whole = [u.name for u in subtree_units([community])]
    assert whole.index("一号院") < whole.index("湖景小区") < whole.index("11号楼")  # 一 counts as 1
    assert [u.name for u in tree_order(reversed(units))] == [u.name for u in units]


def _option_labels(page: str) -> list[str]:
    return re.findall(r'<option value="\d+">([^<]*)</option>', page)


def test_registration_lists_buildings_in_natural_order(client, make):
    community, _ = _compound(make)
    page = client.get(f"/register?community={community.id}").get_data(as_text=True)
    labels = [label for label in _option_labels(page) if label.startswith("湖景小区")]
    assert labels == [f"湖景小区 {n}号楼" for n in (1, 2, 3, 10, 11)]


def test_staff_dropdowns_list_units_in_natural_order(client, make):
    community, _ = _compound(make)
    create_unit("10号院", Level.COMPOUND, parent=community)
    create_unit("9号院", Level.COMPOUND, parent=community)
    staff = make.staff(community)
    db.session.commit()
    login(client, staff)
    homes = [label for label in _option_labels(client.get("/staff/residents/new").get_data(as_text=True)) if "号楼" in label]
    assert homes[-5:] == [f"湖景小区 {n}号楼" for n in (1, 2, 3, 10, 11)]
    places = _option_labels(client.get("/staff/venues/new").get_data(as_text=True))
    assert [p.split()[-1] for p in places if "号院" in p] == ["一号院", "9号院", "10号院"]


def test_communities_are_listed_in_natural_order(make):
    tenth, second = make.community("第十社区"), make.community("第二社区")
    first = make.community("第一社区")
    staff = make.staff(first)
    accounts.grant_role(staff, Role.STAFF, first.parent, admin=SYSTEM)  # the whole street
    db.session.commit()
    names = [c.name for c in communities_for(staff) if c.name.startswith("第")]
    assert names == ["第一社区", "第二社区", "第十社区"]
    assert [c.name for c in natural_order([tenth, second, first])] == names
