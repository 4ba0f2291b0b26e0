"""Demo data: one district down to buildings, a staff member, an admin and a dozen residents with history.

Names follow the seeds (the Bengshan report's 宏业村街道第一社区 and its branded venues such as 红叶亭话).
Other domains add their own demo data by registering a loader with `register_loader`.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Callable

from .accounts import services as accounts
from .accounts.models import Resident, Role
from .db import db, utcnow
from .ledger import services as ledger
from .ledger.models import Action
from .units.models import Level, Unit
from .units.services import create_unit

DEMO_PASSWORD = "demo12345"
STAFF_PHONE, ADMIN_PHONE, RESIDENT_PHONE, OTHER_STAFF_PHONE = "13800000001", "13800000000", "13900000001", "13800000002"

RESIDENTS = [
    ("王芳", "红叶小区", "1号楼"), ("李建国", "红叶小区", "1号楼"), ("张秀英", "红叶小区", "2号楼"),
    ("刘洋", "红叶小区", "2号楼"), ("陈静", "红叶小区", "3号楼"), ("杨伟", "湖景小区", "1号楼"),
    ("赵敏", "湖景小区", "1号楼"), ("黄丽", "湖景小区", "2号楼"), ("周强", "湖景小区", "2号楼"),
    ("吴桂兰", "湖景小区", "3号楼"), ("徐明", "湖景小区", "3号楼"), ("孙丽华", "红叶小区", "3号楼"),
]

Loader = Callable[[dict], None]
_LOADERS: list[Loader] = []


def register_loader(loader: Loader) -> None:
    if loader not in _LOADERS:
        _LOADERS.append(loader)


def load_demo() -> list[tuple[str, str, str]]:
    district = create_unit("蚌山区", Level.DISTRICT)
    street = create_unit("宏业村街道", Level.STREET, parent=district)
    community = create_unit("第一社区", Level.COMMUNITY, parent=street)
    buildings: dict[tuple[str, str], Unit] = {}
    for compound_name in ("红叶小区", "湖景小区"):
        compound = create_unit(compound_name, Level.COMPOUND, parent=community)
        for building_name in ("1号楼", "2号楼", "3号楼"):
            buildings[compound_name, building_name] = create_unit(building_name, Level.BUILDING, parent=compound)
    other = create_unit("第二社区", Level.COMMUNITY, parent=street)
    other_building = create_unit("1号楼", Level.BUILDING, parent=create_unit("观湖小区", Level.COMPOUND, parent=other))

    first_building = buildings["红叶小区", "1号楼"]
    admin = accounts.register_resident(name="区管理员", phone=ADMIN_PHONE, password=DEMO_PASSWORD, unit=first_building)
    accounts.grant_role(admin, Role.ADMIN, district, admin=None)
    staff = accounts.register_resident(name="社工小李", phone=STAFF_PHONE, password=DEMO_PASSWORD, unit=first_building)
    accounts.grant_role(staff, Role.STAFF, community, admin=admin)
    other_staff = accounts.register_resident(name="社工小周", phone=OTHER_STAFF_PHONE, password=DEMO_PASSWORD, unit=other_building)
    accounts.grant_role(other_staff, Role.STAFF, other, admin=admin)

    residents: list[Resident] = []
    for index, (name, compound_name, building_name) in enumerate(RESIDENTS):
        residents.append(
            accounts.register_resident(
                name=name, phone=f"139000000{index + 1:02d}", password=DEMO_PASSWORD,
                unit=buildings[compound_name, building_name],
            )
        )
    accounts.grant_role(residents[1], Role.COUNCIL, community, admin=admin)

    now = utcnow()
    venues = ["红叶亭话", "湖景廊议", "观湖广场"]
    for index, resident in enumerate(residents):
        for meeting in range(index % 4 + 1):
            ledger.award(
                resident, Action.MEETING_ATTENDED, key=f"demo:meeting:{meeting}:resident:{resident.id}",
                cause=("demo", None), memo=venues[meeting % 3], now=now - timedelta(days=30 - meeting * 7),
            )
        ledger.award(
            resident, Action.SUGGESTION_SUBMITTED, key=f"demo:suggestion:{resident.id}", cause=("demo", None),
            memo="楼道照明改造", now=now - timedelta(days=3),
        )
    ledger.award_manually(residents[0], 15, staff=staff, reason="社区环境整治志愿服务补录", key="demo:manual:1", now=now - timedelta(days=1))

    context = {"district": district, "street": street, "community": community, "other_community": other,
               "buildings": buildings, "staff": staff, "admin": admin, "residents": residents}
    for loader in _LOADERS:
        loader(context)
    db.session.commit()
    return [("admin", ADMIN_PHONE, DEMO_PASSWORD), ("staff", STAFF_PHONE, DEMO_PASSWORD),
            ("resident", RESIDENT_PHONE, DEMO_PASSWORD), ("staff (第二社区)", OTHER_STAFF_PHONE, DEMO_PASSWORD)]
