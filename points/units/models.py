"""Units: one tree, five levels. The community is the operating level."""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint, and_, select
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ..db import db, enum_check


class Level(enum.StrEnum):
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    COMPOUND = "compound"
    BUILDING = "building"

    @property
    def depth(self) -> int:
        return list(Level).index(self)

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])


LEVEL_LABELS = {
    Level.DISTRICT: _l("District"), Level.STREET: _l("Street"), Level.COMMUNITY: _l("Community"),
    Level.COMPOUND: _l("Compound"), Level.BUILDING: _l("Building"),
}


class Unit(db.Model):
    __tablename__ = "units"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        enum_check("level", Level),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    # Materialised path "/1/4/9/": subtree tests are a prefix match, ancestors a split.
    path: Mapped[str] = mapped_column(String(255), default="", index=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def contains(self, other: Unit) -> bool:
        return other.path.startswith(self.path)

    @property
    def community_id(self) -> int | None:
        """The community this unit belongs to (itself, if it is one)."""
        depth = Level(self.level).depth
        community_depth = Level.COMMUNITY.depth
        if depth < community_depth:
            return None
        return self.ancestor_ids[community_depth]

    def __repr__(self) -> str:
        return f"<Unit {self.id} {self.level} {self.name}>"


def full_name(unit: Unit, *, below: Level = Level.STREET) -> str:
    """"红叶社区 1号院 3栋": the unit's name with its ancestors under `below`, read in one query."""
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.level).where(Unit.id.in_(unit.ancestor_ids))).all()
    by_id = {row.id: row for row in rows}
    return " ".join(
        by_id[i].name for i in unit.ancestor_ids if i in by_id and Level(by_id[i].level).depth > below.depth
    )


def compound_joins(community_ids: list[int], unit_id_column) -> tuple:
    """For figures by compound (小区/网格): `(compound, joins)`, where each of `joins` is a `(target, on)` that takes
    rows naming a unit in `unit_id_column` to the compound of one of these communities whose subtree holds that unit
    (a row about the community itself joins none). Group by `compound.id`."""
    unit, compound = aliased(Unit), aliased(Unit)
    return compound, [
        (unit, unit.id == unit_id_column),
        (compound, and_(compound.parent_id.in_(community_ids), compound.level == Level.COMPOUND.value,
                        unit.path.startswith(compound.path))),
    ]
