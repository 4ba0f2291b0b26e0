"""Changing the unit tree: one unit at a time, or a whole tree from a CSV file."""
from __future__ import annotations

import csv
import io

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from .. import events
from ..db import db, transaction, utcnow
from ..errors import DomainError
from .models import Level, Unit, natural_order, tree_order


class InvalidUnit(DomainError):
    code = "invalid_unit"
    message = _l("This unit cannot be placed there.")


@transaction
def create_unit(name: str, level: Level, *, parent: Unit | None = None) -> Unit:
    """Add a unit, or return the existing one of that name under the same parent (imports can be re-run)."""
    name = name.strip()
    if not name:
        raise InvalidUnit(_l("A unit needs a name."), code="name_required")
    if len(name) > MAX_NAME:
        raise InvalidUnit(_l("A unit's name can have at most %(n)d characters.", n=MAX_NAME), code="name_too_long")
    expected = Level.DISTRICT if parent is None else _child_level(Level(parent.level))
    if level != expected:
        raise InvalidUnit(code="wrong_level", message=_l("A %(level)s cannot be placed here.", level=level.value))
    existing = _find(name, parent)
    if existing is not None:
        return existing
    unit = Unit(name=name, level=level.value, parent_id=parent.id if parent else None)
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    db.session.flush()
    events.unit_created.send("units", unit=unit, now=utcnow())
    return unit


def _find(name: str, parent: Unit | None) -> Unit | None:
    under = Unit.parent_id == parent.id if parent else Unit.parent_id.is_(None)
    return db.session.scalar(select(Unit).where(Unit.name == name, under))


def _child_level(level: Level) -> Level:
    levels = list(Level)
    if level == Level.BUILDING:
        raise InvalidUnit(_l("A building has no units below it."), code="wrong_level")
    return levels[levels.index(level) + 1]


MAX_NAME = 80
CSV_COLUMNS = ("district", "street", "community", "compound", "building")


@transaction
def import_units_csv(text: str, *, within: list[Unit] | None = None) -> int:
    """Load a tree from CSV rows `district,street,community,compound,building` (a header row is optional;
    trailing columns may be empty). Returns the number of units created. All or nothing.

    `within` limits where units may be created: only below these units (an admin's own subtrees). None is
    the command line, which may also create districts.
    """
    created = 0
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        rows = list(reader)
    except csv.Error as error:
        raise InvalidUnit(_l("The file is not a valid CSV file."), code="bad_csv") from error
    for number, row in enumerate(rows, start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or (number == 1 and [c.lower() for c in cells[:2]] == ["district", "street"]):
            continue
        if len(cells) > len(CSV_COLUMNS) or not cells[0]:
            raise InvalidUnit(_l("Line %(n)d: expected district,street,community,compound,building.", n=number), code="bad_csv")
        parent = None
        for level, name in zip(Level, cells):
            if not name:
                break
            existing = _find(name, parent)
            if existing is None:
                if within is not None and (parent is None or not any(root.contains(parent) for root in within)):
                    raise InvalidUnit(
                        _l("Line %(n)d: %(name)s is outside the units you administer.", n=number, name=name),
                        code="outside_scope",
                    )
                existing = create_unit(name, level, parent=parent)
                created += 1
            parent = existing
    return created


def communities() -> list[Unit]:
    return natural_order(db.session.scalars(select(Unit).where(Unit.level == Level.COMMUNITY.value)))



def get_unit(unit_id: int | None) -> Unit | None:
    return db.session.get(Unit, unit_id) if unit_id else None


def subtree_units(roots: list[Unit]) -> list[Unit]:
    """Every unit below (and including) `roots`, in tree order, siblings in natural order (2号楼 before 10号楼)."""
    if not roots:
        return []
    return tree_order(db.session.scalars(select(Unit).where(or_(*[Unit.path.startswith(r.path) for r in roots]))))
