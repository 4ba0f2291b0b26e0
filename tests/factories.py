"""Test data in a few readable calls: `make.community()`, `make.resident(...)`, `make.staff(...)`."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from points.accounts import services as accounts
from points.accounts.models import Resident, Role
from points.accounts.permissions import SYSTEM
from points.db import db
from points.units.models import Level, Unit
from points.units.services import create_unit

PASSWORD = "password123"
_phones = itertools.count(1)
_names = itertools.count(1)


class Factory:
    def __init__(self) -> None:
        self._district: Unit | None = None
        self._street: Unit | None = None

    def district(self) -> Unit:
        if self._district is None:
            self._district = create_unit("测试区", Level.DISTRICT)
        return self._district

    def street(self) -> Unit:
        if self._street is None:
            self._street = create_unit("测试街道", Level.STREET, parent=self.district())
        return self._street

    def community(self, name: str | None = None) -> Unit:
        name = name or f"社区{next(_names)}"
        community = create_unit(name, Level.COMMUNITY, parent=self.street())
        compound = create_unit("一号院", Level.COMPOUND, parent=community)
        create_unit("1号楼", Level.BUILDING, parent=compound)
        return community

    def building(self, community: Unit) -> Unit:
        return db.session.scalar(
            select(Unit).where(Unit.path.startswith(community.path), Unit.level == Level.BUILDING.value).order_by(Unit.id)
        )

    def resident(self, community: Unit | None = None, *, name: str | None = None, phone: str | None = None) -> Resident:
        community = community or self.community()
        phone = phone or f"139{next(_phones):08d}"
        return accounts.register_resident(
            name=name or f"居民{next(_names)}", phone=phone, password=PASSWORD, unit=self.building(community),
            confirmed_by=SYSTEM,
        )

    def staff(self, community: Unit, *, name: str | None = None) -> Resident:
        person = self.resident(community, name=name or f"社工{next(_names)}")
        accounts.grant_role(person, Role.STAFF, community, admin=SYSTEM)
        return person

    def admin(self, unit: Unit | None = None) -> Resident:
        unit = unit or self.district()
        community = self.community()
        person = self.resident(community, name=f"管理员{next(_names)}")
        accounts.grant_role(person, Role.ADMIN, unit, admin=SYSTEM)
        return person
