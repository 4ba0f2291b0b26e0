"""Demo people: an admin of the district, a staff member in each community, a dozen residents, one council member.

All with the password `demo12345`; the logins are added to `context["logins"]`, which `points demo` prints.
"""
from __future__ import annotations

from . import services as accounts
from .models import Resident, Role
from .permissions import SYSTEM

DEMO_PASSWORD = "demo12345"
STAFF_PHONE, ADMIN_PHONE, RESIDENT_PHONE, OTHER_STAFF_PHONE = "13800000001", "13800000000", "13900000001", "13800000002"

RESIDENTS = [
    ("王芳", "红叶小区", "1号楼"), ("李建国", "红叶小区", "1号楼"), ("张秀英", "红叶小区", "2号楼"),
    ("刘洋", "红叶小区", "2号楼"), ("陈静", "红叶小区", "3号楼"), ("杨伟", "湖景小区", "1号楼"),
    ("赵敏", "湖景小区", "1号楼"), ("黄丽", "湖景小区", "2号楼"), ("周强", "湖景小区", "2号楼"),
    ("吴桂兰", "湖景小区", "3号楼"), ("徐明", "湖景小区", "3号楼"), ("孙丽华", "红叶小区", "3号楼"),
]


def load(context: dict) -> None:
    buildings = context["buildings"]
    first_building = buildings["红叶小区", "1号楼"]
    admin = accounts.register_resident(name="区管理员", phone=ADMIN_PHONE, password=DEMO_PASSWORD, unit=first_building,
                                       confirmed_by=SYSTEM)
    accounts.grant_role(admin, Role.ADMIN, context["district"], admin=SYSTEM)
    staff = accounts.register_resident(name="社工小李", phone=STAFF_PHONE, password=DEMO_PASSWORD, unit=first_building,
                                       confirmed_by=SYSTEM)
    accounts.grant_role(staff, Role.STAFF, context["community"], admin=admin)
    other_staff = accounts.register_resident(name="社工小周", phone=OTHER_STAFF_PHONE, password=DEMO_PASSWORD,
                                             unit=context["other_building"], confirmed_by=SYSTEM)
    accounts.grant_role(other_staff, Role.STAFF, context["other_community"], admin=admin)

    residents: list[Resident] = []
    for index, (name, compound_name, building_name) in enumerate(RESIDENTS):
        residents.append(
            accounts.register_resident(
                name=name, phone=f"139000000{index + 1:02d}", password=DEMO_PASSWORD,
                unit=buildings[compound_name, building_name], confirmed_by=SYSTEM,
            )
        )
    accounts.grant_role(residents[1], Role.COUNCIL, context["community"], admin=admin)
    context.update(staff=staff, admin=admin, residents=residents)
    context.setdefault("logins", []).extend([
        ("admin", ADMIN_PHONE, DEMO_PASSWORD), ("staff", STAFF_PHONE, DEMO_PASSWORD),
        ("resident", RESIDENT_PHONE, DEMO_PASSWORD), ("staff (第二社区)", OTHER_STAFF_PHONE, DEMO_PASSWORD),
    ])
