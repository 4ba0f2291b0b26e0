"""Forms and choice lists for the unit tree."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import or_, select
from wtforms import SelectChoice

from ..db import db
from .models import Level, Unit, tree_order


def home_choices(communities: list[Unit]) -> list[SelectChoice]:
    """Where a resident can live, grouped by community: "红叶小区 1号楼" under "第一社区". One query."""
    choices = [SelectChoice(0, _("Choose…"))]
    if not communities:
        return choices
    units = tree_order(db.session.scalars(
        select(Unit).where(or_(*[Unit.path.startswith(c.path) for c in communities]))
    ))
    by_id = {u.id: u for u in units}
    has_children = {u.parent_id for u in units}
    for unit in units:
        is_home = unit.level == Level.BUILDING.value or (unit.level == Level.COMPOUND.value and unit.id not in has_children)
        if not is_home:
            continue
        community = by_id[unit.community_id]
        label = unit.name if unit.level == Level.COMPOUND.value else f"{by_id[unit.parent_id].name} {unit.name}"
        choices.append(SelectChoice(unit.id, label, optgroup=community.name))
    return choices


def unit_choices(units: list[Unit]) -> list[SelectChoice]:
    """An indented tree, for admins choosing where a role applies."""
    return [SelectChoice(u.id, "\u3000" * (u.path.count("/") - 2) + u.name) for u in units]


class ImportUnitsForm(FlaskForm):
    file = FileField(
        _l("CSV file (district,street,community,compound,building)"),
        validators=[FileRequired(_l("Please choose a CSV file.")), FileAllowed(["csv", "txt"], _l("Only CSV files."))],
    )
