"""Units: one tree, five levels. The community is the operating level."""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable

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


# ---------------------------------------------------------------------------------------------------------
# Natural order: 1号楼, 2号楼, 10号楼 (not 1, 10, 2), and 一号院 before 十二号院, wherever units are listed.

_NUMBER = re.compile(r"(\d+|[〇零一二两三四五六七八九十百]+)")
_CHINESE_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _chinese_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 一百零五 → 105, 一二 → 12 (read digit by digit)."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_CHINESE_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for char in text:
        if char == "百":
            total, digit = total + (digit or 1) * 100, 0
        elif char == "十":
            total, digit = total + (digit or 1) * 10, 0
        else:
            digit = _CHINESE_DIGITS[char]
    return total + digit


def natural_key(name: str) -> tuple:
    """The sort key of a unit's name: runs of digits (Arabic or Chinese) compare as numbers, the rest as text.
    Parts alternate text, number, text…, so two keys always compare like with like."""
    parts = _NUMBER.split(name.strip())
    return tuple(
        (int(part) if part.isdigit() else _chinese_number(part)) if index % 2 else part
        for index, part in enumerate(parts)
    )


def natural_order(units: Iterable[Unit]) -> list[Unit]:
    """Units by name in natural order (siblings, or communities from different streets)."""
    return sorted(units, key=lambda u: (natural_key(u.name), u.id))


def tree_order(units: Iterable[Unit]) -> list[Unit]:
    """A tree listed as people read it: each unit before its children, siblings in natural order. Ancestors not
    in `units` are left out of the key, so a subtree sorts the same whoever its root's parents are."""
    units = list(units)
    names = {u.id: u.name for u in units}

    def key(unit: Unit) -> tuple:
        return tuple((natural_key(names[i]), i) for i in unit.ancestor_ids if i in names)

    return sorted(units, key=key)
